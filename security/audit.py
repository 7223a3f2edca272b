"""Audit Lotsen's dependencies: pip-audit over the installed .venv, npm audit over every npm lock file.

Run through ``scripts/security_audit.sh`` (``make audit``), which provides
pip-audit in its own pinned venv (.venv-audit: pip-audit needs newer packages
than Rasa 3.6's pins allow). Exit status:

* 0: every finding is accepted in security/accepted-findings.yml and no review date has passed;
* 1: a finding that is not accepted, or an accepted one whose review date has passed;
* 2: broken configuration (the accepted-findings file, a missing tool or venv);
* 3: a vulnerability service could not be reached or did not audit everything.
  The audit never passes without having checked every package.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from security.findings import (
    ACCEPTED_PATH,
    AcceptedFindingsError,
    AuditUnavailable,
    Finding,
    Verdict,
    judge,
    load_accepted,
    npm_audit_findings,
    pip_audit_findings,
)

ROOT = Path(__file__).resolve().parents[1]
PIP_AUDIT_TIMEOUT = 600  # seconds for the whole pip-audit run (about 190 packages)
NPM_AUDIT_TIMEOUT = 120
EXIT_FINDINGS, EXIT_CONFIG, EXIT_UNAVAILABLE = 1, 2, 3


class AuditConfigError(RuntimeError):
    """A tool or path the audit needs is missing."""


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        raise AuditConfigError(f"{venv} has no lib/python3*/site-packages: build it first (make setup)")
    return found[0]


def tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_pip_audit(pip_audit: Path, venv: Path) -> dict[str, Any]:
    """pip-audit's JSON report over every package installed in ``venv`` (PyPI's vulnerability service)."""
    if not pip_audit.exists():
        raise AuditConfigError(f"{pip_audit} is missing: run scripts/security_audit.sh, which installs it")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pip-audit.json"
        cmd = [str(pip_audit), "--path", str(site_packages(venv)), "--vulnerability-service", "pypi",
               "--format", "json", "--output", str(out), "--progress-spinner", "off"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_AUDIT_TIMEOUT)
        # pip-audit exits 1 both for "vulnerabilities found" and for a crash (e.g. no connection):
        # only a written report tells them apart.
        if not out.exists():
            raise AuditUnavailable(
                f"pip-audit wrote no report (exit {proc.returncode}); is PyPI's vulnerability API "
                f"(https://pypi.org/pypi/<name>/<version>/json) reachable?\n{tail(proc.stderr)}"
            )
        return json.loads(out.read_text(encoding="utf-8"))


def run_npm_audit(lock: Path) -> dict[str, Any]:
    """npm audit's JSON report for one package-lock.json (no node_modules needed)."""
    proc = subprocess.run(
        ["npm", "audit", "--json", "--package-lock-only"],
        cwd=lock.parent, capture_output=True, text=True, timeout=NPM_AUDIT_TIMEOUT,
    )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AuditUnavailable(f"npm audit for {lock} printed no JSON (exit {proc.returncode}):\n"
                               f"{tail(proc.stderr)}") from exc


def npm_lock_files(root: Path = ROOT) -> list[Path]:
    """Every tracked package-lock.json of the repository."""
    listed = subprocess.run(["git", "ls-files", "*package-lock.json"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.split()
    return [root / p for p in listed if "node_modules/" not in p]


def relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def collect(pip_audit: Path, venv: Path, locks: Sequence[Path]) -> list[Finding]:
    """Every finding of pip-audit and of npm audit per lock file; runs them all, then raises
    :class:`AuditUnavailable` naming every service that could not be used."""
    findings: list[Finding] = []
    unavailable: list[str] = []
    steps = [(f"pip-audit over {relative(venv)}",
              lambda: pip_audit_findings(run_pip_audit(pip_audit, venv), relative(venv)))]
    steps += [(f"npm audit of {relative(lock)}",
               lambda lock=lock: npm_audit_findings(run_npm_audit(lock), json.loads(lock.read_text(encoding="utf-8")),
                                                    relative(lock)))
              for lock in locks]
    for name, step in steps:
        started = time.monotonic()
        try:
            found = step()
        except AuditUnavailable as exc:
            unavailable.append(str(exc))
            print(f"{name}: no answer after {time.monotonic() - started:.1f} s")
            continue
        print(f"{name}: {len(found)} findings in {time.monotonic() - started:.1f} s")
        findings += found
    if unavailable:
        raise AuditUnavailable("\n".join(unavailable))
    return findings


def report(verdict: Verdict) -> None:
    print(f"{len(verdict.accepted)} findings accepted in {relative(ACCEPTED_PATH)} (docs/security.md)")
    for entry, advisory in verdict.unused:
        print(f"note: {entry.package} {entry.version} {'/'.join(sorted(advisory))} is accepted but no "
              f"longer reported: remove it from the accepted findings")
    for entry in verdict.overdue:
        print(f"FAIL: the acceptance of {entry.package} {entry.version} was due for review on "
              f"{entry.review_by}: review it (docs/security.md) and move review_by", file=sys.stderr)
    for finding in verdict.unaccepted:
        print(f"FAIL: not accepted: {finding.describe()}", file=sys.stderr)
    if verdict.unaccepted:
        print("Upgrade the package where its pins allow, or accept the finding in "
              f"{relative(ACCEPTED_PATH)} and explain it in docs/security.md.", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/security_audit.sh", description=__doc__.split("\n")[0])
    parser.add_argument("--venv", type=Path, default=ROOT / os.environ.get("VENV", ".venv"))
    parser.add_argument("--pip-audit", type=Path, default=ROOT / ".venv-audit" / "bin" / "pip-audit")
    parser.add_argument("--accepted", type=Path, default=ACCEPTED_PATH)
    parser.add_argument("--npm-lock", type=Path, action="append",
                        help="a package-lock.json to audit (default: every tracked one)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        accepted = load_accepted(args.accepted)
        findings = collect(args.pip_audit, args.venv, args.npm_lock or npm_lock_files())
    except (AcceptedFindingsError, AuditConfigError) as exc:
        print(f"security audit: broken configuration: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (AuditUnavailable, subprocess.TimeoutExpired) as exc:
        print(f"security audit FAILED: a vulnerability service could not be used, so nothing is known "
              f"to be safe. It needs PyPI's JSON API (https://pypi.org/pypi/<name>/<version>/json) and "
              f"npm's advisory endpoint (POST /-/npm/v1/security/advisories/bulk).\n{exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    verdict = judge(findings, accepted)
    report(verdict)
    print(f"security audit {'passed' if verdict.passed else 'FAILED'} in {time.monotonic() - started:.1f} s")
    return 0 if verdict.passed else EXIT_FINDINGS


if __name__ == "__main__":
    raise SystemExit(main())
