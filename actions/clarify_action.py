"""``action_clarify``: when NLU is unsure, ask which topic was meant (buttons)
or, with no usable guess, say what Lotsen covers. Either way the question is
recorded."""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_action import context_slots, find_counterpart
from actions.intents import CHOOSE_TOPIC_INTENT, OUT_OF_SCOPE, topic_for_intent
from actions.knowledge import CONVERSATIONAL_TOPICS
from actions.privacy import mask_personal_data
from actions.recording import announce_record, build_record, save_record
from actions.runtime import Runtime, get_runtime
from actions.turn import Turn, read_turn

MAX_CHOICES = 3


def candidate_topics(runtime: Runtime, turn: Turn) -> list[str]:
    """The likeliest principle topics, best first, above the configured confidence."""
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


def choice_payload(topic: str) -> str:
    return f"/{CHOOSE_TOPIC_INTENT}" + json.dumps({"topic_choice": topic}, ensure_ascii=False)


class ActionClarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        runtime = get_runtime()
        turn = read_turn(tracker)
        candidates = candidate_topics(runtime, turn)
        counterpart = find_counterpart(runtime, turn)
        if candidates:
            buttons = [
                {"title": runtime.knowledge.primary(t).title, "payload": choice_payload(t)} for t in candidates
            ]
            buttons.append({"title": runtime.presentation.clarify_none_of_these, "payload": choice_payload(OUT_OF_SCOPE)})
            dispatcher.utter_message(response="utter_clarify", buttons=buttons)
            outcome, topic = "clarification", candidates[0]
        else:
            dispatcher.utter_message(response="utter_fallback")
            outcome, topic = "fallback", OUT_OF_SCOPE
        record = build_record(runtime, turn, topic=topic, outcome=outcome, counterpart=counterpart)
        await save_record(runtime, record)
        announce_record(dispatcher, turn, record.id)
        return context_slots(record.id, topic, counterpart) + [
            SlotSet("last_question", mask_personal_data(turn.text))
        ]
