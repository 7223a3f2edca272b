"""Swedish display names for the ids stored in the records."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from actions.settings import PROJECT_ROOT

TOPIC_LABELS_FILE = PROJECT_ROOT / "knowledge" / "topic-labels.yml"
ASSESSMENT_FILE = PROJECT_ROOT / "knowledge" / "assessment.yml"

# Topics that are a kind of international engagement (the "engagement type" filter).
ENGAGEMENT_TOPICS = (
    "vanortsavtal", "samarbetsavtal", "delegationsbesok", "studieresa", "eu_projekt",
    "bistand", "natverk", "paverkan", "nordiskt_samarbete",
)

OUTCOME_LABELS = {
    "answered": "Besvarad",
    "nearest_entry": "Närmaste post (inget exakt svar)",
    "clarification": "Motfråga",
    "fallback": "Kunde inte svara",
    "out_of_scope": "Utanför området",
    "unrecorded": "Efterregistrerad",
}
FEEDBACK_LABELS = {"up": "Tumme upp", "down": "Tumme ned", None: "Ingen återkoppling"}
COUNTERPART_TYPE_LABELS = {"city": "Stad", "country": "Land", "organisation": "Organisation"}
REASON_LABELS = {
    "fallback": "Kunde inte svara",
    "nearest_entry": "Närmaste post (inget exakt svar)",
    "low_confidence": "Osäker tolkning",
    "feedback_down": "Tumme ned",
}
CHANNEL_LABELS = {"rest": "Webb (REST)", "teams": "Teams", "web": "Webbchatt", "socketio": "Webbchatt"}


@lru_cache(maxsize=4)
def topic_labels(path: Path = TOPIC_LABELS_FILE) -> dict[str, str]:
    """The knowledge base's topic names (knowledge/topic-labels.yml); empty if absent."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (data.get("labels") or {}).items()}


@lru_cache(maxsize=4)
def assessment_labels(path: Path = ASSESSMENT_FILE) -> dict[str, dict[str, str]]:
    """Names of engagement types and verdicts from the decision guidance's knowledge file."""
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    types = {str(k): str(v.get("label", k)) for k, v in (data.get("engagement_types") or {}).items()}
    verdicts = {str(k): str(v) for k, v in (data.get("verdicts") or {}).items()}
    return {"engagement_type": types, "verdict": verdicts}


@lru_cache(maxsize=1)
def entry_titles() -> dict[str, str]:
    """The knowledge entries' titles by id (the question each entry answers)."""
    from actions.knowledge import load_knowledge

    return {e.id: e.title for e in load_knowledge(PROJECT_ROOT / "knowledge").entries.values()}


def entry_label(entry_id: str) -> str:
    """An entry as the record page shows it: its title and id ("(finns inte längre)" when no longer in
    the knowledge)."""
    return f"{entry_titles().get(entry_id, '(finns inte längre i kunskapsbasen)')} ({entry_id})"


def topic_label(topic: Optional[str]) -> str:
    return topic_labels().get(topic or "", topic or "(saknas)")


def label(kind: str, value: Optional[str]) -> str:
    """Display name of ``value`` in the vocabulary ``kind`` (falls back to the value)."""
    if kind == "topic":
        return topic_label(value)
    if kind in ("engagement_type", "verdict"):
        default = "(ej bedömd)" if kind == "verdict" else "(saknas)"
        return assessment_labels()[kind].get(value or "", value or default)
    tables: dict[str, Mapping[Any, str]] = {
        "outcome": OUTCOME_LABELS,
        "feedback": FEEDBACK_LABELS,
        "counterpart_type": COUNTERPART_TYPE_LABELS,
        "reason": REASON_LABELS,
        "channel": CHANNEL_LABELS,
    }
    table = tables.get(kind, {})
    if value in table:
        return table[value]
    return value if value else "(saknas)"
