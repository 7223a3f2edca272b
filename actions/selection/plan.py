"""What kind of reply a message gets, decided in one place for the actions and
for ``make eval``: an answer from the knowledge (with its :class:`Selection`),
"Menade du …?" suggestions, a conversational response, or out of scope."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional, Sequence

from actions.intents import FALLBACK_INTENT, OUT_OF_SCOPE, SMALLTALK_INTENTS
from actions.search import ANSWER_THRESHOLD, Hit
from actions.selection.context import Context
from actions.selection.selector import NLU_SHARE, UNSURE_NLU_SHARE, EntrySelector, Selection

Kind = Literal["answer", "clarify", "conversational", "out_of_scope"]
MAX_SUGGESTIONS = 3
# When NLU fell back, an entry selection at least this sure is answered rather than clarified.
FALLBACK_MIN_CONFIDENCE = 0.35


@dataclass(frozen=True)
class Plan:
    kind: Kind
    selection: Optional[Selection] = None
    hits: tuple[Hit, ...] = ()


def nlu_topic_probabilities(ranking: Sequence[dict[str, Any]], topics: Sequence[str]) -> dict[str, float]:
    """NLU's confidence per principle topic, from the intent ranking."""
    result = {t: 0.0 for t in topics}
    for ranked in ranking:
        name, confidence = ranked.get("name"), ranked.get("confidence") or 0.0
        if name in result:
            result[name] = max(result[name], float(confidence))
    return result


def plan_reply(
    selector: EntrySelector, text: str, intent: Optional[str], ranking: Sequence[dict[str, Any]],
    context: Context = Context(), counterpart: Optional[str] = None,
) -> Plan:
    """The reply ``text`` gets, given NLU's ``intent`` and ``ranking`` and the conversation."""
    nlu = nlu_topic_probabilities(ranking, tuple(selector.kb.by_topic))
    followup = selector.leans_on_context(text, context)
    if intent in SMALLTALK_INTENTS and not selector.is_substantive(text, context):
        return Plan("conversational")
    if intent == OUT_OF_SCOPE and not followup:
        return Plan("out_of_scope")
    unsure = intent == FALLBACK_INTENT
    # NLU is trained on Swedish: on an English message its confidence says less than the search's
    # classifier, which reads English words through the synonyms (knowledge/synonyms.yml).
    doubtful = unsure or selector.asks.is_english(text)
    selection = selector.select(text, nlu, context, counterpart, UNSURE_NLU_SHARE if doubtful else NLU_SHARE)
    if unsure and not followup:
        # NLU was unsure: answer only what the search is sure of, or a confident entry selection.
        hits = tuple(selector.search.search(text, limit=MAX_SUGGESTIONS))
        sure = bool(hits) and hits[0].score >= ANSWER_THRESHOLD
        if not sure and (selection.nearest or selection.confidence < FALLBACK_MIN_CONFIDENCE):
            return Plan("clarify", hits=hits)
    return Plan("answer", selection=selection)
