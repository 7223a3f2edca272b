"""The guided assessment: an official's case judged against the principles.

Pure logic over ``knowledge/assessment.yml`` (all Swedish text lives there).
Decisive rules: twinning is never recommended; aid-type work passes only
when others cover the costs; a case missing essential facts is not judged
but told what is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from actions.knowledge import KnowledgeBase, KnowledgeError

ENGAGEMENT_TYPES = ("delegation", "cooperation_agreement", "twinning", "aid_project")
TOPIC_TO_TYPE = {"delegationsbesok": "delegation", "samarbetsavtal": "cooperation_agreement",
                 "vanortsavtal": "twinning", "bistand": "aid_project"}
ESSENTIAL = ("counterpart", "purpose", "operation")
COVERED_BY_OTHERS = ("external", "counterpart")


@dataclass
class Case:
    engagement_type: str
    counterpart: Optional[str] = None
    nordic: bool = False
    purpose: Optional[str] = None
    directions: list[str] = field(default_factory=list)
    operation: Optional[str] = None
    department: Optional[str] = None
    planned_date: Optional[str] = None        # ISO date or month
    planned_date_text: Optional[str] = None   # Swedish display
    financing: Optional[str] = None           # external, counterpart, own, shared, unknown
    financing_text: Optional[str] = None


@dataclass
class Assessment:
    verdict: str
    for_: list[str]
    against: list[str]
    notes: list[str]
    requirements: list[str]
    deciders: list[str]
    contact: str
    missing: list[str]
    cited: list[str]


class AssessmentGuide:
    """Loads the texts and criteria once; judges cases."""

    def __init__(self, data: dict[str, Any], kb: KnowledgeBase) -> None:
        self.data = data
        self.kb = kb
        self._check()

    @classmethod
    def load(cls, directory: Path, kb: KnowledgeBase) -> "AssessmentGuide":
        path = directory / "assessment.yml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"{path}: cannot read: {exc}") from exc
        return cls(data, kb)

    def _check(self) -> None:
        """Every cited entry must exist and every engagement type be described."""
        keys = ("engagement_types", "findings", "missing", "verdicts", "layout", "directions", "financing", "contact")
        for key in keys:
            if key not in self.data:
                raise KnowledgeError(f"assessment.yml: '{key}' is missing")
        missing_types = set(ENGAGEMENT_TYPES) - set(self.data["engagement_types"])
        if missing_types:
            raise KnowledgeError(f"assessment.yml: engagement types missing: {sorted(missing_types)}")
        for cited in self._all_citations():
            if cited not in self.kb.entries:
                raise KnowledgeError(f"assessment.yml: cites unknown entry {cited!r}", None, "assessment", cited)

    def _all_citations(self) -> list[str]:
        items = list(self.data["findings"].values()) + [self.data["contact"]]
        for kind in self.data["engagement_types"].values():
            items += kind.get("requirements", []) + kind.get("deciders", [])
        return [c for item in items for c in item.get("cites", [])]

    def label(self, engagement_type: str) -> str:
        return self.data["engagement_types"][engagement_type]["label"]

    def missing_label(self, key: str) -> str:
        return self.data["missing"][key]

    def assess(self, case: Case) -> Assessment:
        kind = self.data["engagement_types"][case.engagement_type]
        values = self._placeholders(case)
        sides: dict[str, list[str]] = {"for": [], "against": [], "note": []}
        cited: list[str] = []

        def add(finding: str) -> None:
            item = self.data["findings"][finding]
            sides[item["side"]].append(item["text"].format(**values))
            cited.extend(c for c in item["cites"] if c not in cited)

        missing = [key for key in ESSENTIAL if not getattr(case, key)]
        if not case.directions:
            missing.append("directions")
        if not case.planned_date:
            missing.append("date")
        if case.financing in (None, "unknown"):
            missing.append("financing")

        if case.engagement_type == "twinning":
            add("twinning_never")
        if case.engagement_type == "aid_project":
            if case.financing in COVERED_BY_OTHERS:
                add("aid_externally_financed")
            elif case.financing in ("own", "shared"):
                add("aid_without_external_financing")
        if case.purpose:
            add("purpose_given")
        if case.operation:
            add("operation_link")
        add("directions" if case.directions else "no_direction")
        if case.nordic:
            add("nordic_counterpart")
        if case.financing == "own" and case.engagement_type != "aid_project":
            add("own_budget")

        requirements = [self._cite(r, cited) for r in kind.get("requirements", [])]
        deciders = [self._cite(d, cited) for d in kind.get("deciders", [])]
        contact = self._cite(self.data["contact"], cited)
        return Assessment(
            verdict=self._verdict(case, missing), for_=sides["for"], against=sides["against"],
            notes=sides["note"], requirements=requirements, deciders=deciders, contact=contact,
            missing=missing, cited=cited,
        )

    @staticmethod
    def _cite(item: dict[str, Any], cited: list[str]) -> str:
        cited.extend(c for c in item.get("cites", []) if c not in cited)
        return item["text"]

    @staticmethod
    def _verdict(case: Case, missing: list[str]) -> str:
        if case.engagement_type == "twinning":
            return "not_recommended"
        if case.engagement_type == "aid_project":
            if case.financing in ("own", "shared"):
                return "not_recommended"
            if "financing" in missing:
                return "incomplete"
        if any(key in missing for key in (*ESSENTIAL, "directions")):
            return "incomplete"
        return "conditional"

    def _placeholders(self, case: Case) -> dict[str, str]:
        unknown = self.data["layout"]["unknown"]
        return {
            "type": self.label(case.engagement_type),
            "counterpart": case.counterpart or unknown,
            "purpose": case.purpose or unknown,
            "directions": ", ".join(case.directions) or unknown,
            "operation": case.operation or unknown,
            "department": case.department or unknown,
            "date": case.planned_date_text or unknown,
            "financing": case.financing_text or unknown,
        }

    def summary(self, case: Case, result: Assessment) -> str:
        """The short summary shown in the chat."""
        layout = self.data["layout"]
        values = self._placeholders(case)
        bullet = lambda text: layout["bullet"].format(text=text)  # noqa: E731
        lines = [layout["summary_title"].format(**values),
                 layout["verdict"].format(verdict=self.data["verdicts"][result.verdict])]
        for title, items in ((layout["for"], result.for_), (layout["against"], result.against + result.notes),
                             (layout["requirements"], result.requirements), (layout["deciders"], result.deciders)):
            if items:
                lines.append(title)
                lines += [bullet(i) for i in items]
        if result.missing:
            lines.append(layout["missing"].format(missing=", ".join(self.missing_label(m) for m in result.missing)))
        lines.append(result.contact)
        return "\n".join(lines)

    def memo(self, case: Case, result: Assessment) -> str:
        """A block ready to paste into a decision memo, ending with the sources."""
        layout = self.data["layout"]
        values = {**self._placeholders(case), "verdict": self.data["verdicts"][result.verdict]}
        lines = [layout["memo_intro"], "", layout["memo"].format(**values)]
        lines += [layout["bullet"].format(text=t) for t in result.against + result.for_ + result.requirements]
        lines += [layout["bullet"].format(text=t) for t in result.deciders]
        lines += ["", layout["memo_sources"]]
        for entry_id in result.cited:
            entry = self.kb.entries[entry_id]
            lines.append(layout["bullet"].format(text=f"{entry.source.title}, ”{entry.section}” ({entry.title})"))
        return "\n".join(lines)
