"""``action_clarify``: when NLU is unsure, search the knowledge base by
meaning. A confident hit, or a follow-up on the last answer, is answered
directly through the entry selection (with its source); weaker hits are
offered as "Menade du …?" buttons, else the likeliest intents are; with
nothing usable Lotsen says what it covers. Either way the question is
recorded, with the search score."""
from __future__ import annotations

import json
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_action import NEAREST, answer_selection, context_slots, conversation_context, find_counterpart
from actions.intents import CHOOSE_TOPIC_INTENT, OUT_OF_SCOPE, topic_for_intent
from actions.knowledge import CONVERSATIONAL_TOPICS
from actions.privacy import mask_personal_data
from actions.recording import announce_record, build_record, save_record
from actions.runtime import Runtime, get_runtime
from actions.search import SUGGEST_THRESHOLD, Hit
from actions.selection.plan import plan_reply
from actions.turn import Turn, read_turn

MAX_CHOICES = 3


def candidate_topics(runtime: Runtime, turn: Turn) -> list[str]:
    """The likeliest principle topics by NLU, best first, above the configured confidence."""
    minimum = runtime.settings.clarify_min_confidence
    topics: list[str] = []
    for ranked in turn.ranking:
        topic = topic_for_intent(ranked.get("name"), runtime.knowledge.topics)
        if topic is None or topic in CONVERSATIONAL_TOPICS or topic in topics:
            continue
        if (ranked.get("confidence") or 0.0) < minimum:
            break
        topics.append(topic)
        if len(topics) == MAX_CHOICES:
            break
    return topics


def choice_payload(topic: str, entry_id: Optional[str] = None) -> str:
    entities = {"topic_choice": topic, **({"entry_id": entry_id} if entry_id else {})}
    return f"/{CHOOSE_TOPIC_INTENT}" + json.dumps(entities, ensure_ascii=False)


def choice_buttons(runtime: Runtime, hits: list[Hit], topics: list[str]) -> list[dict[str, str]]:
    """Buttons for the suggested entries (search) or topics (NLU), plus "Inget av dessa"."""
    if hits:
        entries = runtime.knowledge.entries
        buttons = [{"title": entries[h.entry_id].title, "payload": choice_payload(h.topic, h.entry_id)}
                   for h in hits]
    else:
        buttons = [{"title": runtime.knowledge.primary(t).title, "payload": choice_payload(t)} for t in topics]
    buttons.append({"title": runtime.presentation.clarify_none_of_these, "payload": choice_payload(OUT_OF_SCOPE)})
    return buttons


class ActionClarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        runtime = get_runtime()
        turn = read_turn(tracker)
        counterpart = find_counterpart(runtime, turn)
        context = conversation_context(tracker)
        plan = plan_reply(runtime.selector, turn.text, turn.intent, turn.ranking, context,
                          counterpart.name if counterpart else None)
        hits = list(plan.hits) or runtime.search.search(turn.text, limit=MAX_CHOICES)
        best = hits[0].score if hits else None
        principle_ids: list[str] = []
        entries: tuple[str, ...] = ()
        confidence, from_context = None, False
        if plan.kind == "answer" and plan.selection is not None:
            selection = plan.selection
            counterpart = answer_selection(runtime, dispatcher, turn, selection)
            outcome = NEAREST if selection.nearest else "answered"
            topic, entries = selection.topic, selection.entries
            principle_ids, confidence, from_context = list(entries), selection.confidence, selection.from_context
        else:
            suggestions = [h for h in hits if h.score >= SUGGEST_THRESHOLD]
            topics = candidate_topics(runtime, turn)
            if suggestions or topics:
                dispatcher.utter_message(response="utter_clarify", buttons=choice_buttons(runtime, suggestions, topics))
                outcome, topic = "clarification", suggestions[0].topic if suggestions else topics[0]
            else:
                dispatcher.utter_message(response="utter_fallback")
                outcome, topic = "fallback", OUT_OF_SCOPE
        record = build_record(runtime, turn, topic=topic, outcome=outcome, counterpart=counterpart,
                              principle_ids=principle_ids, search_score=best, entry_confidence=confidence,
                              from_context=from_context)
        await save_record(runtime, record)
        announce_record(dispatcher, turn, record.id)
        return context_slots(record.id, topic, counterpart, entries) + [
            SlotSet("last_question", mask_personal_data(turn.text))
        ]
