"""Every patch to Rasa is applied by one explicit call, checked first, fails loudly
on another Rasa, keeps Rasa's original, and is applied in every Rasa process
(rasa_patches/__init__.py, rasa_patches/core.py)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.runner.dask import DaskGraphRunner

import rasa_patches
from rasa_patches import PatchError, core
from tests.support.servers import RASA_RUN

ROOT = Path(__file__).resolve().parents[2]
FINGERPRINTS = Path(__file__).with_name("rasa_fingerprints.json")


def test_apply_all_applies_all_fifteen_and_keeps_each_original():
    patches = rasa_patches.apply_all()
    assert len(patches) == 15 and rasa_patches.applied()
    assert {p.name for p in patches} == set(rasa_patches.PATCH_MODULES)
    for patch in patches:
        assert patch.owner.__dict__[patch.attribute] is patch.replacement, patch.target
        original = core.rasa_original(patch.owner, patch.attribute)
        assert original.__module__.startswith("rasa."), patch.target
        assert original is not core.function_of(patch.replacement), patch.target
    assert rasa_patches.apply_all() == patches  # a second call changes nothing


def test_restore_puts_rasas_originals_back():
    rasa_patches.apply_all()
    try:
        rasa_patches.restore_all()
        assert not rasa_patches.applied()
        for patch in rasa_patches.all_patches():
            assert core.is_rasas(patch.owner.__dict__[patch.attribute]), patch.target
    finally:
        rasa_patches.apply_all()  # the rest of the session runs patched, as before


def test_another_rasa_version_is_refused(monkeypatch):
    monkeypatch.setattr(rasa_patches, "installed_rasa_version", lambda: "3.6.22")
    with pytest.raises(PatchError, match=r"graph_runner.*written for Rasa 3\.6\.21, but Rasa 3\.6\.22 is installed"):
        rasa_patches.apply_all()


def test_a_missing_attribute_is_refused_naming_the_patch(monkeypatch):
    rasa_patches.apply_all()
    monkeypatch.delattr(DaskGraphRunner, "run")
    with pytest.raises(PatchError, match=r"patch rasa_patches\.graph_runner: .*DaskGraphRunner\.run does not exist"):
        rasa_patches.apply_all()


def test_an_attribute_that_is_not_rasas_own_is_refused_naming_the_patch(monkeypatch):
    rasa_patches.apply_all()

    def someone_elses(self, lookup, states):  # neither Rasa's nor Lotsen's
        return set()

    monkeypatch.setattr(RulePolicy, "_get_possible_keys", someone_elses)
    with pytest.raises(PatchError, match=r"patch rasa_patches\.rule_lookup: .*_get_possible_keys is not Rasa's own"):
        rasa_patches.apply_all()


def test_nothing_is_replaced_when_one_check_fails(monkeypatch):
    rasa_patches.apply_all()
    rasa_patches.restore_all()
    try:
        monkeypatch.delattr(RulePolicy, "_get_possible_keys")
        with pytest.raises(PatchError):
            rasa_patches.apply_all()
        assert core.is_rasas(DaskGraphRunner.__dict__["run"])  # checked all before replacing any
    finally:
        monkeypatch.undo()
        rasa_patches.apply_all()


def changed_functions() -> list[str]:
    recorded = json.loads(FINGERPRINTS.read_text(encoding="utf-8"))
    now = rasa_patches.fingerprints()
    assert sorted(now) == sorted(recorded), "patches added or removed: regenerate rasa_fingerprints.json"
    return [f"{target} (patch {now[target]['patch']})" for target in now
            if now[target]["sha256"] != recorded[target]["sha256"]]


def test_rasas_patched_functions_are_the_ones_the_patches_were_written_for():
    """A changed line in any replaced Rasa function (an upgrade, a local edit) fails here, naming the patch."""
    changed = changed_functions()
    assert changed == [], ("Rasa's code differs from what these patches were compared with: "
                           f"{', '.join(changed)}; see docs/performance.md, 'Upgrading Rasa'")


def test_one_changed_line_in_rasa_is_found_and_named(monkeypatch):
    """As if one line of DaskGraphRunner.run in .venv had changed (the shared .venv itself is not edited)."""
    real = core.source_of

    def edited(owner, attribute):
        source = real(owner, attribute)
        return source.replace("return", "return  # changed", 1) if owner is DaskGraphRunner else source

    monkeypatch.setattr(core, "source_of", edited)
    assert changed_functions() == ["rasa.engine.runner.dask.DaskGraphRunner.run (patch rasa_patches.graph_runner)"]


def run_python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_importing_the_channels_patches_nothing_and_a_plain_rasa_run_is_refused():
    result = run_python(
        "import channels, channels.rest_input, channels.teams, channels.widget_socketio, rasa_patches\n"
        "print('applied', rasa_patches.applied())\n"
        "from rasa_patches import PatchError\n"
        "try:\n"
        "    channels.rest_input.LotsenRestInput.from_credentials(None)\n"
        "except PatchError as e:\n"
        "    print('refused', e)\n"
        "rasa_patches.apply_all()\n"
        "print('channel', channels.rest_input.LotsenRestInput.from_credentials(None).name())\n")
    assert result.returncode == 0, result.stderr
    assert "applied False" in result.stdout
    assert "refused the rest channel needs Lotsen's Rasa patches" in result.stdout
    assert "python -m rasa_patches run" in result.stdout
    assert "channel rest" in result.stdout


def test_python_m_rasa_patches_is_rasas_command_line():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run([*RASA_RUN, "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "usage: rasa run" in result.stdout and "--credentials" in result.stdout


START_FILES = ["scripts/run.sh", "deploy/Dockerfile", "deploy/compose.yml", "deploy/k8s/rasa.yml",
               "tests/support/servers.py", "tests/support/topology.py", "tests/reliability/scenario.py",
               "tests/hostile/test_action_server_down.py"]


def test_every_place_that_starts_lotsens_rasa_applies_the_patches():
    plain = re.compile(r"""(?:\brasa["']?\)?,?\s*["']?run\b(?!["']?,?\s*["']?actions))""")
    for name in START_FILES:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "rasa_patches" in text or "RASA_RUN" in text, name
        lines = [line for line in text.splitlines() if plain.search(line) and not line.lstrip().startswith("#")
                 and "rasa_patches" not in line and "RASA_RUN" not in line]
        assert lines == [], f"{name} starts Rasa without the patches: {lines}"
    # the only plain `rasa run` left is Rasa's default assistant in make bench, which must stay unpatched
    bench = (ROOT / "evaluation" / "bench.py").read_text(encoding="utf-8")
    assert bench.count('"run", "--port"') == 1 and "running_lotsen" in bench
