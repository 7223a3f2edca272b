"""``make teams-package`` builds an app package that Teams' published schema accepts."""
from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from teams import build_package, validate_manifest

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "6f1d4c2a-3b5e-4f7a-9c8d-0e1f2a3b4c5d"


@pytest.fixture(scope="module")
def schemas_installed() -> None:
    """Install @microsoft/app-manifest from the committed lock file when missing."""
    if not validate_manifest.SCHEMAS.is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=ROOT / "teams", check=True, capture_output=True, timeout=300,
        )


def make_package(output: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMS_")}
    full_env.update(env)
    return subprocess.run(
        ["make", "-f", "mk/teams.mk", "teams-package", f"TEAMS_PACKAGE={output}", "VENV=.venv"],
        cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=300,
    )


def read_manifest(package: Path) -> dict[str, Any]:
    with zipfile.ZipFile(package) as archive:
        return json.loads(archive.read("manifest.json"))


@pytest.fixture(scope="module")
def package(schemas_installed: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("teams") / "lotsen-teams.zip"
    result = make_package(output, TEAMS_APP_ID=APP_ID)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


def test_package_validates_against_the_published_schema(package: Path) -> None:
    assert validate_manifest.package_errors(package) == []
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_manifest_is_swedish_and_names_the_bot(package: Path) -> None:
    manifest = read_manifest(package)
    major, minor = (int(part) for part in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 16)
    assert manifest["name"]["short"] == "Lotsen"
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "sv-se"
    assert "Stockholms stad" in manifest["description"]["full"]
    assert "frågor" in manifest["description"]["short"]
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal"]


@pytest.mark.parametrize(
    "break_it",
    [
        lambda m: m.pop("name"),
        lambda m: m["bots"][0].update(botId="inte-ett-guid"),
        lambda m: m["name"].update(short="Lotsen – ett alldeles för långt namn för Teams"),
        lambda m: m.update(manifestVersion="1.16"),
        lambda m: m["developer"].update(privacyUrl="ftp://example.org/"),
    ],
    ids=["no name", "bot id not a guid", "short name too long", "wrong version", "not http(s)"],
)
def test_both_validators_reject_a_broken_manifest(package: Path, break_it: Any) -> None:
    manifest = read_manifest(package)
    break_it(manifest)
    schema = validate_manifest.load_schema("1.17")
    assert validate_manifest.python_errors(manifest, schema)
    assert validate_manifest.node_errors(manifest, validate_manifest.schema_path("1.17"))


def test_package_is_reproducible(package: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    build_package.build(again, {"TEAMS_APP_ID": APP_ID})
    assert again.read_bytes() == package.read_bytes()


def test_package_needs_the_bot_app_id(schemas_installed: None, tmp_path: Path) -> None:
    result = make_package(tmp_path / "none.zip", TEAMS_APP_ID="")
    assert result.returncode != 0
    assert "TEAMS_APP_ID" in result.stderr
    assert not (tmp_path / "none.zip").exists()
