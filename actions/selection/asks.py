"""What a question asks for, and whether it is a yes/no question.

The cues live in ``knowledge/asks.yml`` (regular expressions over the folded,
lower-cased question); this module only compiles and applies them, so the
knowledge's owners can teach Lotsen a new way of asking without code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from actions.knowledge import KnowledgeError
from actions.recent import Recent

ASKS_FILE = "asks.yml"
RECENT_TEXTS = 16
YES_NO = "yesno"
# Words skipped before the opening word of a sentence ("Och får vi …?", "Hej, kan vi …").
LEAD_WORDS = frozenset({"och", "men", "sa", "hej", "hallo", "tja", "okej", "ok", "alltsa", "jaha", "aha",
                        "ja", "nej", "tack", "and", "but", "so", "hi", "hello", "well", "then", "da"})
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")
_CLAUSE = re.compile(r"[,;:\u2013\u2014]\s+|\s+-\s+")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?")
_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})


def fold_lower(text: str) -> str:
    """Lower case with å/ä → a and ö → o, as the cues in asks.yml are written."""
    return text.lower().translate(_FOLD)


@dataclass(frozen=True)
class Ask:
    id: str
    label: str
    generic: bool
    cues: tuple[re.Pattern[str], ...]
    general_entry: Optional[str] = None
    # Whether a question with this ask that no entry answers gets the honest reply.
    honest: bool = True
    # An entry whose first ask is this one answers a question that does not ask it less well
    # (the consultation response's view is not what applies).
    secondary: bool = False


@dataclass(frozen=True)
class QuestionForm:
    """What a message asks: its specific asks (in asks.yml order) and whether it is a yes/no question."""

    asks: tuple[str, ...]
    yes_no: bool
    # Generic asks whose cues matched ("vad innebär …"): an open question, though not a specific one.
    generic: tuple[str, ...] = ()

    @property
    def elliptic(self) -> bool:
        """Neither a yes/no question nor any wh-question of its own ("och med Vilnius?")."""
        return not (self.asks or self.yes_no or self.generic)

    # The specific asks that get the honest reply when no entry answers them.
    strict: tuple[str, ...] = ()

    @property
    def specific(self) -> bool:
        return bool(self.asks)


@dataclass
class AskReader:
    asks: dict[str, Ask]
    openers: frozenset[str]
    phrases: tuple[re.Pattern[str], ...]
    requests: tuple[re.Pattern[str], ...] = ()
    english_words: frozenset[str] = frozenset()
    english_share: float = 1.0
    question_words: frozenset[str] = frozenset()
    abbreviations: tuple[str, ...] = ()
    # The forms of the last few messages (each is read by several steps of the selection).
    recent: Recent[str, QuestionForm] = field(default_factory=lambda: Recent(RECENT_TEXTS))

    @classmethod
    def load(cls, directory: Path) -> "AskReader":
        path = directory / ASKS_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            asks = {
                ask_id: Ask(
                    id=ask_id, label=str(raw["label"]), generic=bool(raw.get("generic", False)),
                    cues=tuple(re.compile(c) for c in raw.get("cues") or []),
                    general_entry=raw.get("general_entry"), honest=bool(raw.get("honest", True)),
                    secondary=bool(raw.get("secondary", False)),
                )
                for ask_id, raw in (data.get("asks") or {}).items()
            }
            openers = frozenset(str(w) for w in data["yes_no_openers"])
            phrases = tuple(re.compile(p) for p in data.get("yes_no_phrases") or [])
            requests = tuple(re.compile(p) for p in data.get("request_openers") or [])
            english = frozenset(str(w) for w in data.get("english_words") or [])
            english_share = float(data.get("english_share", 1.0))
            question_words = frozenset(str(w) for w in data.get("question_words") or [])
            abbreviations = tuple(str(a) for a in data.get("abbreviations") or [])
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError, re.error) as exc:
            raise KnowledgeError(f"{path}: invalid asks file: {exc!r}") from exc
        if YES_NO not in asks:
            raise KnowledgeError(f"{path}: the ask {YES_NO!r} must be defined")
        return cls(asks=asks, openers=openers, phrases=phrases, requests=requests, english_words=english,
                   english_share=english_share, question_words=question_words, abbreviations=abbreviations)

    def read(self, text: str) -> QuestionForm:
        return self.recent.get(text, lambda: self._read(text))

    def _read(self, text: str) -> QuestionForm:
        folded = fold_lower(text)
        matched = [a for a in self.asks.values() if any(c.search(folded) for c in a.cues)]
        specific = [a for a in matched if not a.generic]
        return QuestionForm(asks=tuple(a.id for a in specific), yes_no=self.is_yes_no(folded),
                            generic=tuple(a.id for a in matched if a.generic),
                            strict=tuple(a.id for a in specific if a.honest))

    def is_yes_no(self, folded: str) -> bool:
        """A sentence of the message opens with a yes/no word, or it says "ja eller nej"."""
        if any(p.search(folded) for p in self.phrases):
            return True
        for abbreviation in self.abbreviations:
            folded = folded.replace(abbreviation, abbreviation.replace(".", ""))
        sentences = [s for s in _SENTENCE_END.split(folded) if s.strip()]
        questions = [s for s in sentences if s.rstrip().endswith("?")] or sentences[-1:]
        return any(self._asks_yes_no(s) for s in questions)

    def _asks_yes_no(self, sentence: str) -> bool:
        """A sentence opening with a question word is not yes/no; else its first clause may open with a
        verb ("Lyfter strategin …?"), and any clause with a yes/no word ("Hej, inför mötet, får vi …?")."""
        clauses = [self._words(c) for c in _CLAUSE.split(sentence)]
        clauses = [c for c in clauses if c]
        if not clauses or clauses[0][0] in self.question_words:
            return False
        if self._request(clauses[0]):
            return False
        first = clauses[0][0]
        verb_like = len(first) >= 4 and first[-1] in "rs" and len(clauses[0]) >= 3 and sentence.rstrip().endswith("?")
        return verb_like or any(c[0] in self.openers and not self._request(c) for c in clauses)

    def _request(self, words: list[str]) -> bool:
        return any(r.search(" ".join(words)) for r in self.requests)

    @staticmethod
    def _words(clause: str) -> list[str]:
        words = _WORD.findall(clause)
        while words and words[0] in LEAD_WORDS:
            words = words[1:]
        return words

    def is_english(self, text: str) -> bool:
        """Whether ``text`` is (mostly) written in English."""
        words = _WORD.findall(fold_lower(text))
        hits = sum(1 for w in words if w in self.english_words)
        return hits >= 2 and hits >= self.english_share * len(words)

    def is_secondary(self, ask_id: str) -> bool:
        ask = self.asks.get(ask_id)
        return ask.secondary if ask else False

    def general_entry(self, ask_id: str) -> Optional[str]:
        ask = self.asks.get(ask_id)
        return ask.general_entry if ask else None

    def label(self, ask_id: str) -> str:
        ask = self.asks.get(ask_id)
        return ask.label if ask else ask_id
