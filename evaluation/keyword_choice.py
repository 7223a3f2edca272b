"""Lotsen's entry choice before entry selection (until 2026-12-03), kept as
``make eval``'s reference: NLU's topic, then the topic's entry whose keywords
the question contains, the primary entry winning ties."""
from __future__ import annotations

from typing import Any

from actions.intents import FALLBACK_INTENT
from actions.knowledge import Entry, KnowledgeBase
from nlp.lemmas import lemmatize

PRIMARY_BONUS = 0.5


def _keyword_hits(entry: Entry, lemmas: set[str], text: str) -> int:
    return sum(1 for k in entry.keywords if k in lemmas or (len(k) >= 5 and k in text))


def keyword_entry(kb: KnowledgeBase, parsed: dict[str, Any], text: str) -> list[str]:
    """The entry the keyword choice answers with ([] when NLU's topic is not a principle topic)."""
    intent = parsed["intent"]["name"]
    if intent == FALLBACK_INTENT:
        ranked = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK_INTENT]
        intent = ranked[0] if ranked else None
    if intent not in kb.by_topic:
        return []
    lemmas, lowered = set(lemmatize(text)), text.lower()
    best = max(kb.by_topic[intent],
               key=lambda e: _keyword_hits(e, lemmas, lowered) + (PRIMARY_BONUS if e.primary else 0.0))
    return [best.id]
