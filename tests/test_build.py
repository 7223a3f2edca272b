"""The build: `make help` lists every target, and the production image gets no test packages."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKEFILES = [ROOT / "Makefile", *sorted((ROOT / "mk").glob("*.mk"))]
TEST_PACKAGES = {"pytest", "pytest-asyncio"}


def phony_targets() -> set[str]:
    targets: set[str] = set()
    for path in MAKEFILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(".PHONY:"):
                targets.update(line.split(":", 1)[1].split())
    return targets


def test_make_help_lists_every_target_with_a_description():
    out = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    listed = {}
    for line in out.splitlines():
        match = re.match(r"\s*make (\S+)\s+(\S.*)$", line)
        assert match, f"not a 'make TARGET description' line: {line!r}"
        listed[match.group(1)] = match.group(2)
    targets = phony_targets()
    assert len(targets) >= 25
    assert sorted(targets - set(listed)) == [], "targets missing from make help"
    assert sorted(set(listed) - targets) == [], "make help lists what is no target"
    assert all(len(d) > 10 for d in listed.values())


def requirements(path: Path) -> dict[str, str]:
    """name -> pinned version of a requirements file, following -r includes."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(requirements(path.parent / line[3:].strip()))
        elif line:
            name, version = re.split(r"==", line)
            pins[re.sub(r"\[.*\]", "", name).lower()] = version
    return pins


def test_the_production_requirements_hold_no_test_packages():
    assert not TEST_PACKAGES & set(requirements(ROOT / "requirements.txt"))
    dev = requirements(ROOT / "requirements-dev.txt")
    assert TEST_PACKAGES <= set(dev) and set(requirements(ROOT / "requirements.txt")) <= set(dev)


def test_every_pin_is_the_locked_version():
    lock = {name.lower(): version for name, version in
            (line.split("==") for line in (ROOT / "requirements.lock").read_text().splitlines()
             if line and not line.startswith("#"))}
    for name, version in requirements(ROOT / "requirements-dev.txt").items():
        assert lock.get(name) == version, name


def test_the_image_installs_production_packages_and_make_the_test_packages():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and all("-r requirements.txt" in line for line in installs)
    assert not any("requirements-dev" in line for line in installs)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet -r requirements-dev.txt -c requirements.lock" in makefile
