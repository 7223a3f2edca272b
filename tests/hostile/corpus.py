"""The hostile-input corpus (corpus.yml), loaded as messages and raw request bodies."""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.plain_text import clean_text

CORPUS = Path(__file__).with_name("corpus.yml")
DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


@dataclass(frozen=True)
class Message:
    name: str
    text: str
    over_limit: bool = False
    records: int = 1

    @property
    def read_as(self) -> str:
        """What Lotsen reads of it (cleaned as Rasa cleans every message, before any cut)."""
        return clean_text(self.text).strip()


@dataclass(frozen=True)
class Body:
    name: str
    raw: bytes
    status: int


def _message(entry: dict[str, Any]) -> Message:
    if "repeat" in entry:
        unit, chars = entry["repeat"], entry["chars"]
        text = (unit * (chars // len(unit) + 1))[:chars]
    else:
        text = entry["text"]
    return Message(entry["name"], text, bool(entry.get("over_limit", False)), int(entry.get("records", 1)))


def _body(entry: dict[str, Any]) -> Body:
    raw = codecs.escape_decode(entry["body"].encode("utf-8"))[0]
    if "nest" in entry:
        depth = entry["nest"]
        raw = raw.replace(b"NEST", b"[" * depth + b"]" * depth)
    return Body(entry["name"], raw, entry["status"])


@lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    return yaml.safe_load(CORPUS.read_text(encoding="utf-8"))


def messages() -> list[Message]:
    return [_message(e) for e in _load()["messages"]]


def bodies() -> list[Body]:
    return [_body(e) for e in _load()["bodies"]]


def domain_text(response: str, **values: str) -> str:
    """The text of a domain.yml response, its {placeholders} filled from ``values``."""
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    text: str = domain["responses"][response][0]["text"]
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def too_long_reply() -> str:
    from channels.message_limit import RESPONSE, display_limit

    return domain_text(RESPONSE, max_chars=display_limit())


def unavailable_reply() -> str:
    from channels.action_unavailable import RESPONSE

    return domain_text(RESPONSE)
