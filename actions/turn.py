"""Reading what the user just said from a Rasa tracker."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from rasa_sdk import Tracker

from actions.plain_text import clean_text

MAX_DEPARTMENT_LENGTH = 200
# Set by Rasa (channels/message_limit.py) on every message: was it cut to the length limit?
LIMIT_METADATA_KEY = "lotsen"
TRUNCATED_KEY = "truncated"


@dataclass(frozen=True)
class Turn:
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    channel: str
    sender_id: str
    department: Optional[str]
    model_id: Optional[str]
    entities: list[dict[str, Any]] = field(default_factory=list)
    ranking: list[dict[str, Any]] = field(default_factory=list)
    message_id: Optional[str] = None  # Rasa's id of the user message; names its record
    truncated: bool = False

    def entity(self, name: str) -> Optional[str]:
        """The first value of entity ``name`` in this message."""
        for ent in self.entities:
            if ent.get("entity") == name and isinstance(ent.get("value"), str):
                return ent["value"]
        return None


def _department(metadata: Any, slot_value: Any) -> Optional[str]:
    """The department from the channel's metadata, else from the slot; validated text."""
    value = metadata.get("department") if isinstance(metadata, dict) else None
    value = value if isinstance(value, str) and value.strip() else slot_value
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(clean_text(value).split())[:MAX_DEPARTMENT_LENGTH] or None


def _truncated(metadata: Any) -> bool:
    """Whether Rasa cut this message to the length limit (only Rasa's own mark counts)."""
    own = metadata.get(LIMIT_METADATA_KEY) if isinstance(metadata, dict) else None
    return isinstance(own, dict) and own.get(TRUNCATED_KEY) is True


def _model_id(tracker: Tracker) -> Optional[str]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            model_id = (event.get("metadata") or {}).get("model_id")
            return str(model_id) if model_id else None
    return None


def read_turn(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    return Turn(
        text=message.get("text") or "",
        intent=intent.get("name"),
        confidence=intent.get("confidence"),
        channel=tracker.get_latest_input_channel() or "unknown",
        sender_id=tracker.sender_id,
        department=_department(message.get("metadata"), tracker.get_slot("department")),
        model_id=_model_id(tracker),
        entities=list(message.get("entities") or []),
        ranking=list(message.get("intent_ranking") or []),
        truncated=_truncated(message.get("metadata")),
        message_id=message.get("message_id"),
    )
