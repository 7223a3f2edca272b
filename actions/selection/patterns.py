"""Several regular expressions asked at once whether any of them occurs in a text.

The knowledge's cue files (``knowledge/case_facts.yml``, ``asks.yml``) list one
pattern per way of saying a thing; asking each in turn costs one regex scan per
cue. :class:`AnyOf` joins them into one alternation, which finds a match
exactly when one of them does. Patterns that an alternation could change (a
backreference or conditional group, whose group numbers shift, or a global
inline flag such as ``(?i)``, which would apply to all) are asked one by one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

# A backreference (\1, (?P=name)) or a conditional group ((?(1)…)); a false alarm
# (an escaped backslash before a digit) only costs the joined pattern.
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
_DEFAULT_FLAGS = re.compile("").flags


@dataclass(frozen=True)
class AnyOf:
    """Whether any of ``patterns`` occurs in a text (``search``), with one scan where that is exact."""

    patterns: Sequence[re.Pattern[str]]
    joined: Optional[re.Pattern[str]] = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.patterns and all(self._joinable(p) for p in self.patterns):
            object.__setattr__(self, "joined", re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns)))

    @staticmethod
    def _joinable(pattern: re.Pattern[str]) -> bool:
        return pattern.flags == _DEFAULT_FLAGS and not _GROUP_REFERENCE.search(pattern.pattern)

    def search(self, text: str) -> bool:
        if self.joined is not None:
            return self.joined.search(text) is not None
        return any(p.search(text) for p in self.patterns)
