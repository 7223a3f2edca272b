"""Findings of the dependency audit and the accepted ones (security/accepted-findings.yml).

pip-audit and npm audit report in different shapes; both become
:class:`Finding`. A finding passes only when an entry of the accepted list
names the same package, version and advisory (by any of its identifiers) and
the entry's review date has not passed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import yaml

ACCEPTED_PATH = Path(__file__).resolve().parent / "accepted-findings.yml"
ECOSYSTEMS = ("PyPI", "npm")
SHOWN_SKIPS = 5


class AuditUnavailable(RuntimeError):
    """The vulnerability service could not be reached or did not audit everything."""


class AcceptedFindingsError(ValueError):
    """security/accepted-findings.yml is malformed."""


@dataclass(frozen=True)
class Finding:
    ecosystem: str
    package: str
    version: str
    id: str
    aliases: frozenset[str]
    summary: str
    fixed_in: tuple[str, ...]
    source: str  # what was audited: the venv or an npm lock file

    @property
    def ids(self) -> frozenset[str]:
        return frozenset({self.id}) | self.aliases

    def describe(self) -> str:
        fix = f", fixed in {', '.join(self.fixed_in)}" if self.fixed_in else ", no fixed version"
        aliases = f" ({', '.join(sorted(self.aliases))})" if self.aliases else ""
        return f"{self.ecosystem} {self.package} {self.version}: {self.id}{aliases}{fix} [{self.source}] {self.summary}"


@dataclass(frozen=True)
class Accepted:
    ecosystem: str
    package: str
    version: str
    advisories: tuple[frozenset[str], ...]  # one set of identifiers (id and aliases) per advisory
    reachable: bool
    why: str
    reviewed: dt.date
    review_by: dt.date

    def covers(self, finding: Finding) -> bool:
        return (
            finding.ecosystem == self.ecosystem
            and _normal_name(finding.package) == _normal_name(self.package)
            and finding.version == self.version
            and any(finding.ids & advisory for advisory in self.advisories)
        )


@dataclass(frozen=True)
class Verdict:
    unaccepted: tuple[Finding, ...]
    accepted: tuple[Finding, ...]
    overdue: tuple[Accepted, ...]  # accepted entries whose review date has passed
    unused: tuple[tuple[Accepted, frozenset[str]], ...]  # advisories accepted but no longer reported

    @property
    def passed(self) -> bool:
        return not self.unaccepted and not self.overdue


def _normal_name(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _require(entry: Mapping[str, Any], key: str, where: str) -> Any:
    value = entry.get(key)
    if value is None or value == "":
        raise AcceptedFindingsError(f"{where}: '{key}' is missing")
    return value


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise AcceptedFindingsError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from exc


def _advisories(raw: Any, where: str) -> tuple[frozenset[str], ...]:
    if not isinstance(raw, list) or not raw:
        raise AcceptedFindingsError(f"{where}: 'advisories' must be a non-empty list")
    advisories = []
    for item in raw:
        ids = item if isinstance(item, list) else [item]
        if not ids or not all(isinstance(i, str) and i.strip() for i in ids):
            raise AcceptedFindingsError(f"{where}: each advisory is an id or a list of ids, got {item!r}")
        advisories.append(frozenset(i.strip() for i in ids))
    return tuple(advisories)


def parse_accepted(data: Any) -> list[Accepted]:
    if not isinstance(data, dict) or not isinstance(data.get("accepted"), list):
        raise AcceptedFindingsError("the file must hold a mapping with an 'accepted' list")
    entries = []
    for number, entry in enumerate(data["accepted"], start=1):
        where = f"accepted entry {number}"
        if not isinstance(entry, dict):
            raise AcceptedFindingsError(f"{where}: must be a mapping")
        where = f"{where} ({entry.get('package')} {entry.get('version')})"
        ecosystem = _require(entry, "ecosystem", where)
        if ecosystem not in ECOSYSTEMS:
            raise AcceptedFindingsError(f"{where}: ecosystem must be one of {', '.join(ECOSYSTEMS)}")
        reachable = entry.get("reachable")
        if not isinstance(reachable, bool):
            raise AcceptedFindingsError(f"{where}: 'reachable' must be true or false")
        reviewed = _date(_require(entry, "reviewed", where), where)
        review_by = _date(_require(entry, "review_by", where), where)
        if review_by <= reviewed:
            raise AcceptedFindingsError(f"{where}: review_by must come after reviewed")
        entries.append(Accepted(
            ecosystem=ecosystem,
            package=str(_require(entry, "package", where)),
            version=str(_require(entry, "version", where)),
            advisories=_advisories(entry.get("advisories"), where),
            reachable=reachable,
            why=str(_require(entry, "why", where)).strip(),
            reviewed=reviewed,
            review_by=review_by,
        ))
    return entries


def load_accepted(path: Path = ACCEPTED_PATH) -> list[Accepted]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AcceptedFindingsError(f"{path}: {exc}") from exc
    try:
        return parse_accepted(data)
    except AcceptedFindingsError as exc:
        raise AcceptedFindingsError(f"{path}: {exc}") from exc


def pip_audit_findings(report: Mapping[str, Any], source: str) -> list[Finding]:
    """Findings of a ``pip-audit -f json`` report.

    pip-audit prints "No known vulnerabilities found" and exits 0 even when it
    could audit nothing (every package skipped because the service did not
    answer for it); any skipped package is therefore an :class:`AuditUnavailable`.
    """
    dependencies = report.get("dependencies")
    if not isinstance(dependencies, list) or not dependencies:
        raise AuditUnavailable(f"pip-audit reported no dependencies for {source}")
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if skipped:
        shown = "; ".join(d["skip_reason"] for d in skipped[:SHOWN_SKIPS])
        raise AuditUnavailable(
            f"pip-audit could not audit {len(skipped)} of {len(dependencies)} packages in {source} "
            f"(the vulnerability service did not answer for them): {shown}"
        )
    findings = []
    for dep in dependencies:
        for vuln in dep.get("vulns") or []:
            findings.append(Finding(
                ecosystem="PyPI",
                package=dep["name"],
                version=dep["version"],
                id=vuln["id"],
                aliases=frozenset(vuln.get("aliases") or ()),
                summary=" ".join(str(vuln.get("description") or "").split())[:160],
                fixed_in=tuple(vuln.get("fix_versions") or ()),
                source=source,
            ))
    return findings


def _advisory_id(via: Mapping[str, Any]) -> str:
    url = str(via.get("url") or "")
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail.startswith("GHSA-") else f"npm-{via.get('source')}"


def npm_audit_findings(report: Mapping[str, Any], lock: Mapping[str, Any], source: str) -> list[Finding]:
    """Findings of an ``npm audit --json`` report (format 2), versions taken from the lock file."""
    if "error" in report or "vulnerabilities" not in report:
        message = report.get("message") or (report.get("error") or {}).get("summary") or "no report"
        raise AuditUnavailable(f"npm audit for {source} got no answer from the advisory service: {message}")
    installed = {
        path.rsplit("node_modules/", 1)[-1]: entry.get("version")
        for path, entry in (lock.get("packages") or {}).items() if path
    }
    findings = []
    for entry in report["vulnerabilities"].values():
        for via in entry.get("via") or []:
            if not isinstance(via, dict):  # a name: the advisory is reported under that package
                continue
            findings.append(Finding(
                ecosystem="npm",
                package=via["name"],
                version=str(installed.get(via["name"], "?")),
                id=_advisory_id(via),
                aliases=frozenset(),
                summary=str(via.get("title") or ""),
                fixed_in=(),
                source=source,
            ))
    return sorted(set(findings), key=lambda f: (f.package, f.id))


def judge(findings: Iterable[Finding], accepted: list[Accepted], today: Optional[dt.date] = None) -> Verdict:
    today = today or dt.date.today()
    findings = list(findings)
    covered = [f for f in findings if any(a.covers(f) for a in accepted)]
    unaccepted = [f for f in findings if f not in covered]
    unused = [
        (entry, advisory)
        for entry in accepted
        for advisory in entry.advisories
        if not any(entry.covers(f) and f.ids & advisory for f in findings)
    ]
    return Verdict(
        unaccepted=tuple(unaccepted),
        accepted=tuple(covered),
        overdue=tuple(a for a in accepted if a.review_by < today),
        unused=tuple(unused),
    )
