"""Composing Lotsen's replies from knowledge entries.

Pure functions: which entry answers a question, which tailoring applies to a
counterpart, and the reply text (verdict first, then conditions, then the
source). The Swedish wording lives in ``knowledge/``; only the layout is here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import yaml

from actions.counterparts import Counterpart
from actions.knowledge import Entry, KnowledgeBase, KnowledgeError

# Most specific first: a Nordic capital is also a capital and a city.
TAILORING_PRECEDENCE = ("nordic_capital", "capital", "nordic", "eu_member", "city", "country", "organisation")
PRIMARY_BONUS = 0.5


@dataclass(frozen=True)
class Presentation:
    condition_bullet: str
    citation: str
    kinds: dict[str, str]
    clarify_none_of_these: str

    @classmethod
    def load(cls, directory: Path) -> "Presentation":
        path = directory / "presentation.yml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls(
                condition_bullet=data["condition_bullet"], citation=data["citation"],
                kinds=dict(data["kinds"]), clarify_none_of_these=data["clarify_none_of_these"],
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise KnowledgeError(f"{path}: invalid presentation file: {exc!r}") from exc


def _keyword_hits(entry: Entry, lemmas: set[str], text: str) -> int:
    """How many of the entry's keywords the question contains (as lemma or inside a compound)."""
    return sum(1 for k in entry.keywords if k in lemmas or (len(k) >= 5 and k in text))


def choose_entry(kb: KnowledgeBase, topic: str, lemmas: Iterable[str], text: str) -> Entry:
    """The entry of ``topic`` that best matches the question; the primary one on ties."""
    lemma_set = set(lemmas)
    lowered = text.lower()
    return max(
        kb.by_topic[topic],
        key=lambda e: _keyword_hits(e, lemma_set, lowered) + (PRIMARY_BONUS if e.primary else 0.0),
    )


def tailoring_text(entry: Entry, counterpart: Optional[Counterpart]) -> Optional[str]:
    """The entry's extra sentence for this counterpart, most specific tag first."""
    if counterpart is None or not entry.tailoring:
        return None
    tags = counterpart.all_tags
    by_tag = {t.when: t.text for t in entry.tailoring}
    for tag in TAILORING_PRECEDENCE:
        if tag in tags and tag in by_tag:
            return by_tag[tag].replace("{counterpart}", counterpart.name)
    return None


def citation(entry: Entry, presentation: Presentation) -> str:
    return presentation.citation.format(
        source=entry.source.title, section=entry.section,
        kind=presentation.kinds.get(entry.kind, entry.kind),
    )


def compose_answer(entry: Entry, counterpart: Optional[Counterpart], presentation: Presentation) -> str:
    """Verdict (with any tailoring) first, then the conditions, then the source."""
    first = entry.answer
    extra = tailoring_text(entry, counterpart)
    if extra:
        first = f"{first} {extra}"
    lines = [first]
    lines += [presentation.condition_bullet.format(text=c) for c in entry.conditions]
    lines.append(citation(entry, presentation))
    return "\n".join(lines)
