"""The conversation a message leans on, and whether it leans on it at all.

A follow-up ("Vem fattar det?", "och med Vilnius?", "Sedan när?", "Varför
inte?") is answered with the conversation's topic, entry and counterpart. A
message is read as a follow-up when there is an earlier answer and the
message is short and either opens with a follow-up marker, refers back with a
pronoun, or carries a specific ask but little content of its own; a message
with strong content of its own is a new question, however short. The marker
and pronoun words are in ``knowledge/followups.yml``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from actions.knowledge import KnowledgeError
from actions.selection.asks import QuestionForm, fold_lower

FOLLOWUPS_FILE = "followups.yml"
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Context:
    """What the conversation's last answer was about (all None in a new conversation)."""

    topic: Optional[str] = None
    entry_id: Optional[str] = None
    counterpart: Optional[str] = None
    # Every entry the last reply gave, so the next one never repeats it word for word.
    reply_entries: tuple[str, ...] = field(default_factory=tuple)
    # Whether the last question was a yes/no question (an elliptic follow-up asks the same way).
    yes_no: bool = False

    @property
    def empty(self) -> bool:
        return self.topic is None


@dataclass(frozen=True)
class FollowupReader:
    markers: tuple[re.Pattern[str], ...]
    pronouns: frozenset[str]
    max_words: int
    max_marked_words: int
    counterpart_pronouns: frozenset[str]
    # A message of at most this many words that carries a specific ask is a follow-up.
    short_ask_words: int
    # Below this content similarity a short message with a specific ask leans on the conversation.
    weak_content: float
    # A message of at most this many words that asks something specific about "det"/"dem"
    # ("Vem fattar beslut om det?") asks it about the conversation's subject, whatever its words.
    pointing_ask_words: int = 0
    # Phrases that turn to another subject ("i stället", "instead"): NLU's topic for the message
    # counts however little else it shares with the knowledge's wording.
    switch_markers: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def load(cls, directory: Path) -> "FollowupReader":
        path = directory / FOLLOWUPS_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls(
                markers=tuple(re.compile(m) for m in data["markers"]),
                pronouns=frozenset(str(p) for p in data["pronouns"]),
                max_words=int(data["max_words"]), short_ask_words=int(data["short_ask_words"]),
                max_marked_words=int(data["max_marked_words"]),
                counterpart_pronouns=frozenset(str(w) for w in data["counterpart_pronouns"]),
                weak_content=float(data["weak_content"]),
                pointing_ask_words=int(data["pointing_ask_words"]),
                switch_markers=tuple(re.compile(m) for m in data.get("switch_markers") or []),
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, re.error) as exc:
            raise KnowledgeError(f"{path}: invalid follow-ups file: {exc!r}") from exc

    def refers_to_counterpart(self, text: str) -> bool:
        """Whether ``text`` points back to someone or somewhere already named ("från dem", "dit")."""
        return bool(self.counterpart_pronouns.intersection(_WORD.findall(fold_lower(text))))

    def switches_subject(self, text: str) -> bool:
        """Whether ``text`` turns to another subject ("Och ett samarbetsavtal i stället?")."""
        folded = fold_lower(text)
        return any(m.search(folded) for m in self.switch_markers)

    def points_back(self, text: str, form: QuestionForm, context: Context) -> bool:
        """A short specific ask about something already said ("Vem fattar beslut om det?", "Hur ofta
        sammanträder de?"): its words name the ask, the conversation names what it is about."""
        if context.empty or not form.specific:
            return False
        words = _WORD.findall(fold_lower(text))
        return len(words) <= self.pointing_ask_words and bool(self.pronouns.intersection(words))

    def leans_on_context(self, text: str, form: QuestionForm, content: float, context: Context) -> bool:
        """Whether ``text`` (with ``content``: its best entry similarity on its own) is a follow-up."""
        if context.empty:
            return False
        folded = fold_lower(text).strip()
        words = _WORD.findall(folded)
        if not words or len(words) > self.max_marked_words:
            return False
        if any(m.search(folded) for m in self.markers):
            return True
        if len(words) > self.max_words:
            return False
        if self.pronouns.intersection(words):
            return True
        if form.specific and len(words) <= self.short_ask_words:
            return True  # "Vem betalar vår del?": a bare ask is about what was just discussed
        return len(words) <= 3 and content < self.weak_content
