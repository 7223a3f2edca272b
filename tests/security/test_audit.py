"""The dependency audit fails on unaccepted findings and never passes without a vulnerability service."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from security import audit
from security.findings import (
    AcceptedFindingsError,
    AuditUnavailable,
    Finding,
    judge,
    load_accepted,
    npm_audit_findings,
    parse_accepted,
    pip_audit_findings,
)
from tests.support.postgres import free_port
from tests.support.servers import ROOT

WIDGET_LOCK = ROOT / "widget" / "package-lock.json"
TODAY = dt.date(2026, 12, 1)


def accepted_entry(**overrides) -> dict:
    entry = {
        "ecosystem": "PyPI", "package": "aiohttp", "version": "3.9.5", "reachable": False,
        "why": "no aiohttp server runs", "reviewed": "2026-12-01", "review_by": "2027-03-01",
        "advisories": [["PYSEC-2026-1103", "CVE-2024-52304", "GHSA-8495-4g3g-x7pr"]],
    }
    return {**entry, **overrides}


def pip_report(*vulns: dict, skipped: int = 0) -> dict:
    deps = [{"name": "aiohttp", "version": "3.9.5", "vulns": list(vulns)}]
    deps += [{"name": f"pkg{i}", "skip_reason": f"Dependency not found on PyPI: pkg{i}"} for i in range(skipped)]
    return {"dependencies": deps, "fixes": []}


SMUGGLING = {"id": "GHSA-8495-4g3g-x7pr", "aliases": ["CVE-2024-52304"], "fix_versions": ["3.10.11"],
             "description": "request smuggling"}


def test_the_shipped_accepted_findings_are_complete_and_justified():
    entries = load_accepted()
    assert entries, "security/accepted-findings.yml accepts nothing"
    for entry in entries:
        assert len(entry.why) > 40, f"{entry.package}: say why the finding is accepted"
        assert entry.review_by > entry.reviewed
    documented = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    for entry in entries:
        assert f"`{entry.package}`" in documented, f"{entry.package} is accepted but not explained in docs/security.md"


def test_a_finding_is_accepted_by_any_of_its_ids_and_only_for_that_version():
    accepted = parse_accepted({"accepted": [accepted_entry()]})
    found = pip_audit_findings(pip_report(SMUGGLING), ".venv")  # reported under its GHSA id
    assert judge(found, accepted, TODAY).passed
    newer = [Finding(**{**found[0].__dict__, "version": "3.9.6"})]
    verdict = judge(newer, accepted, TODAY)
    assert not verdict.passed and verdict.unaccepted == tuple(newer)


def test_an_unaccepted_finding_fails():
    other = {**SMUGGLING, "id": "GHSA-zzzz-zzzz-zzzz", "aliases": []}
    verdict = judge(pip_audit_findings(pip_report(SMUGGLING, other), ".venv"),
                    parse_accepted({"accepted": [accepted_entry()]}), TODAY)
    assert [f.id for f in verdict.unaccepted] == ["GHSA-zzzz-zzzz-zzzz"]
    assert not verdict.passed


def test_an_acceptance_past_its_review_date_fails():
    accepted = parse_accepted({"accepted": [accepted_entry(review_by="2026-11-30", reviewed="2026-09-01")]})
    verdict = judge(pip_audit_findings(pip_report(SMUGGLING), ".venv"), accepted, TODAY)
    assert not verdict.unaccepted and verdict.overdue and not verdict.passed


@pytest.mark.parametrize("broken, message", [
    ({"reachable": "no"}, "'reachable' must be true or false"),
    ({"why": ""}, "'why' is missing"),
    ({"ecosystem": "Maven"}, "ecosystem must be one of"),
    ({"advisories": []}, "'advisories' must be a non-empty list"),
    ({"review_by": "2026-01-01"}, "review_by must come after reviewed"),
])
def test_a_malformed_acceptance_is_refused_with_a_clear_message(broken, message):
    with pytest.raises(AcceptedFindingsError, match=message):
        parse_accepted({"accepted": [accepted_entry(**broken)]})


def test_a_report_with_skipped_packages_is_no_pass():
    """pip-audit says "No known vulnerabilities found" when the service answered for nothing."""
    with pytest.raises(AuditUnavailable, match="could not audit 3 of 4 packages"):
        pip_audit_findings(pip_report(skipped=3), ".venv")


def test_an_unreachable_pypi_fails_the_audit_with_exit_3(tmp_path):
    subprocess.run([str(ROOT / "scripts" / "security_audit.sh"), "--setup-only"], cwd=ROOT, check=True,
                   capture_output=True)
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: every request to PyPI fails
    env = {**os.environ, "HTTPS_PROXY": dead, "https_proxy": dead, "NO_PROXY": "", "no_proxy": "",
           "PIP_CACHE_DIR": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}  # no cached answers either
    proc = subprocess.run([str(ROOT / "scripts" / "security_audit.sh"), "--npm-lock", str(WIDGET_LOCK)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == audit.EXIT_UNAVAILABLE, proc.stdout + proc.stderr
    assert "a vulnerability service could not be used" in proc.stderr
    assert "passed" not in proc.stdout


class FakeAdvisories(BaseHTTPRequestHandler):
    """npm's bulk advisory endpoint on 127.0.0.1, reporting one advisory for ``ws``."""

    advisories: dict = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps(self.advisories).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # packuments (npm asks for them to work out fixes): none here
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def npm_registry(monkeypatch) -> Iterator[type[FakeAdvisories]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAdvisories)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{server.server_address[1]}/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    try:
        yield FakeAdvisories
    finally:
        server.shutdown()
        server.server_close()


def npm_findings(lock: Path) -> list[Finding]:
    return npm_audit_findings(audit.run_npm_audit(lock), json.loads(lock.read_text()), "widget/package-lock.json")


def test_npm_audit_finds_an_advisory_in_the_widget_bundle_and_it_must_be_accepted(npm_registry):
    npm_registry.advisories = {"ws": [{
        "id": 1, "url": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc", "title": "test advisory",
        "severity": "high", "vulnerable_versions": "<99.0.0", "cwe": [], "cvss": {"score": 0, "vectorString": None},
    }]}
    found = npm_findings(WIDGET_LOCK)
    ws_version = json.loads(WIDGET_LOCK.read_text())["packages"]["node_modules/ws"]["version"]
    assert [(f.package, f.version, f.id) for f in found] == [("ws", ws_version, "GHSA-aaaa-bbbb-cccc")]
    assert not judge(found, [], TODAY).passed
    accepted = parse_accepted({"accepted": [accepted_entry(
        ecosystem="npm", package="ws", version=ws_version, advisories=["GHSA-aaaa-bbbb-cccc"])]})
    assert judge(found, accepted, TODAY).passed


def test_npm_audit_without_advisories_passes(npm_registry):
    npm_registry.advisories = {}
    assert npm_findings(WIDGET_LOCK) == []


def test_an_unreachable_npm_advisory_service_is_no_pass(monkeypatch):
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(AuditUnavailable, match="got no answer from the advisory service"):
        npm_findings(WIDGET_LOCK)


def test_every_npm_lock_file_is_audited():
    locks = {p.relative_to(ROOT).as_posix() for p in audit.npm_lock_files()}
    assert {"widget/package-lock.json", "review/package-lock.json", "teams/package-lock.json"} <= locks
