"""Facts the official states about their own case, read from the message.

A conditional knowledge entry names the fact its answer depends on (its
``rule``: who pays, the kind of agreement, whether the engagement supports
the ordinary operation). :meth:`CaseFacts.reading` says whether the message
satisfies the condition (``HOLDS``), breaks it (``BREAKS``) or does not say
(``None``), from the cues in ``knowledge/case_facts.yml``. A cue that breaks the
condition wins over one that satisfies it (a wrong yes is worse than a
cautious no), unless it is part of the satisfying one ("inte en krona från
vår budget").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

import yaml

from actions.knowledge import RULE_FACTS, KnowledgeError
from actions.recent import Recent
from actions.selection.asks import fold_lower
from actions.selection.patterns import AnyOf

FACTS_FILE = "case_facts.yml"
Reading = Literal["holds", "breaks"]
HOLDS: Reading = "holds"
BREAKS: Reading = "breaks"
# How far before a cue (in characters) a negation cancels it.
NEGATION_REACH = 24
# Readings remembered: a message is read for every fact by the selection and again for its reply.
RECENT_READINGS = 64


@dataclass(frozen=True)
class CaseFacts:
    cues: dict[str, dict[Reading, tuple[re.Pattern[str], ...]]]
    negations: tuple[re.Pattern[str], ...]
    # Derived: whether any cue of a fact occurs at all, and whether any negation does (one scan each).
    _any_cue: dict[str, AnyOf] = field(init=False, repr=False, compare=False)
    _any_negation: AnyOf = field(init=False, repr=False, compare=False)
    _recent: Recent[tuple[str, str], Optional[Reading]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        any_cue = {fact: AnyOf(sides[HOLDS] + sides[BREAKS]) for fact, sides in self.cues.items()}
        object.__setattr__(self, "_any_cue", any_cue)
        object.__setattr__(self, "_any_negation", AnyOf(self.negations))
        object.__setattr__(self, "_recent", Recent(RECENT_READINGS))

    @classmethod
    def load(cls, directory: Path) -> "CaseFacts":
        path = directory / FACTS_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            cues = {
                fact: {side: tuple(re.compile(c) for c in raw.get(side) or []) for side in (HOLDS, BREAKS)}
                for fact, raw in (data.get("facts") or {}).items()
            }
            negations = tuple(re.compile(n) for n in data.get("negations") or [])
        except (OSError, yaml.YAMLError, TypeError, AttributeError, re.error) as exc:
            raise KnowledgeError(f"{path}: invalid case facts file: {exc!r}") from exc
        missing = [f for f in RULE_FACTS if f not in cues]
        if missing:
            raise KnowledgeError(f"{path}: no cues for the fact(s) {', '.join(missing)}")
        return cls(cues=cues, negations=negations)

    def reading(self, fact: str, text: str) -> Optional[Reading]:
        """Whether ``text`` satisfies (``holds``), breaks (``breaks``) or does not state ``fact``."""
        return self._recent.get((fact, text), lambda: self._reading(fact, text))

    def _reading(self, fact: str, text: str) -> Optional[Reading]:
        folded = fold_lower(text)
        sides = self.cues[fact]
        if not self._any_cue[fact].search(folded):
            return None  # no cue of the fact at all (most messages): nothing to weigh
        holds = [m for c in sides[HOLDS] for m in self._stated(c, folded)]
        inside = lambda m: any(h.start() <= m.start() and m.end() <= h.end() for h in holds)  # noqa: E731
        # A breaking cue inside a satisfying one ("inte en krona från vår budget") is part of it.
        if any(not inside(m) for c in sides[BREAKS] for m in self._stated(c, folded)):
            return BREAKS
        return HOLDS if holds else None

    def breaks_any(self, text: str) -> bool:
        """Whether ``text`` states a fact that breaks any rule's condition."""
        return any(self.reading(fact, text) == BREAKS for fact in self.cues)

    def _stated(self, cue: re.Pattern[str], folded: str) -> list[re.Match[str]]:
        """Where ``cue`` occurs in ``folded`` without a negation just before it."""
        found = []
        for match in cue.finditer(folded):
            cut = max(0, match.start() - NEGATION_REACH)
            before = folded[cut:match.start()]
            if cut > 0 and folded[cut - 1].isalnum():  # never half a word ("hej" is not "ej")
                before = before.partition(" ")[2]
            if not self._any_negation.search(before):
                found.append(match)
        return found
