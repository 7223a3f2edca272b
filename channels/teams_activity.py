"""Parsing and validation of incoming Bot Framework activities.

Only the fields Lotsen relies on are checked; anything malformed is refused
with a message that says which field is wrong.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit


class ActivityError(ValueError):
    """The request body is not a usable Bot Framework activity."""


@dataclass(frozen=True)
class Activity:
    """The parts of an incoming activity that the channel uses."""

    type: str
    text: str
    sender_id: str
    conversation: Mapping[str, Any]
    recipient: Mapping[str, Any]
    service_url: str
    channel_id: Optional[str]
    raw: Mapping[str, Any]

    @property
    def id(self) -> Optional[str]:
        value = self.raw.get("id")
        return value if isinstance(value, str) else None


def _object(parent: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = parent.get(name)
    if not isinstance(value, dict):
        raise ActivityError(f"'{name}' must be a JSON object")
    return value


def _string(parent: Mapping[str, Any], name: str, path: str) -> str:
    value = parent.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ActivityError(f"'{path}' must be a non-empty string")
    return value


def _optional_string(parent: Mapping[str, Any], name: str) -> Optional[str]:
    value = parent.get(name)
    if value is not None and not isinstance(value, str):
        raise ActivityError(f"'{name}' must be a string")
    return value


def _service_url(activity: Mapping[str, Any]) -> str:
    url = _string(activity, "serviceUrl", "serviceUrl")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ActivityError("'serviceUrl' must be an absolute http(s) URL")
    return url


def _load(body: bytes) -> Mapping[str, Any]:
    try:
        data = json.loads(body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise ActivityError(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ActivityError("the activity must be a JSON object")
    return data


def strip_bot_mentions(text: str, entities: Any, bot_id: Optional[str]) -> str:
    """Remove ``<at>Lotsen</at>`` mentions of the bot itself (channels, group chats)."""
    if not bot_id or not isinstance(entities, list):
        return text
    stripped = text
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned")
        mention_text = entity.get("text")
        if isinstance(mentioned, dict) and mentioned.get("id") == bot_id and isinstance(
            mention_text, str
        ):
            stripped = stripped.replace(mention_text, " ")
    if stripped == text:
        return text
    return re.sub(r"[ \t]{2,}", " ", stripped).strip()


def parse_activity(body: bytes) -> Activity:
    """Parse and validate an incoming activity; raise :class:`ActivityError` if unusable."""
    data = _load(body)
    activity_type = _string(data, "type", "type")
    sender = _object(data, "from")
    conversation = _object(data, "conversation")
    sender_id = _string(sender, "id", "from.id")
    _string(conversation, "id", "conversation.id")
    recipient = data.get("recipient") or {}
    if not isinstance(recipient, dict):
        raise ActivityError("'recipient' must be a JSON object")
    text = _optional_string(data, "text") or ""
    return Activity(
        type=activity_type,
        text=strip_bot_mentions(text, data.get("entities"), recipient.get("id")),
        sender_id=sender_id,
        conversation=conversation,
        recipient=recipient,
        service_url=_service_url(data),
        channel_id=_optional_string(data, "channelId"),
        raw=data,
    )
