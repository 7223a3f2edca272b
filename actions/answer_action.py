"""``action_answer``: answers every question from the knowledge base (or a
domain response for smalltalk and out-of-scope) and records it."""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import choose_entry, compose_answer
from actions.counterparts import Counterpart
from actions.intents import CHOOSE_TOPIC_INTENT, OUT_OF_SCOPE, topic_for_intent
from actions.knowledge import CONVERSATIONAL_TOPICS
from actions.recording import announce_record, build_record, save_record, update_record
from actions.runtime import Runtime, get_runtime
from actions.turn import Turn, read_turn
from nlp.lemmas import lemmatize

OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"


def find_counterpart(runtime: Runtime, turn: Turn) -> Optional[Counterpart]:
    """DIET's counterpart resolved through the gazetteer; else a gazetteer name in the text."""
    return runtime.gazetteer.counterpart_of(turn.entity("counterpart"), turn.text)


def answer_topic(
    runtime: Runtime, dispatcher: CollectingDispatcher, topic: str, turn: Turn,
    counterpart: Optional[Counterpart], question_text: str,
) -> list[str]:
    """Send the answer for ``topic``; return the ids of the entries it cites."""
    if topic == OUT_OF_SCOPE:
        dispatcher.utter_message(response=OUT_OF_SCOPE_RESPONSE)
        return []
    if topic in CONVERSATIONAL_TOPICS:
        dispatcher.utter_message(response=f"utter_{turn.intent}")
        return []
    entry = choose_entry(runtime.knowledge, topic, lemmatize(question_text), question_text)
    dispatcher.utter_message(text=compose_answer(entry, counterpart, runtime.presentation))
    return [entry.id]


def context_slots(record_id: Optional[str], topic: str, counterpart: Optional[Counterpart]) -> list[dict[str, Any]]:
    return [
        SlotSet("last_record_id", record_id),
        SlotSet("last_topic", topic),
        SlotSet("last_counterpart", counterpart.name if counterpart else None),
    ]


class ActionAnswer(Action):
    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        runtime = get_runtime()
        turn = read_turn(tracker)
        if turn.intent == CHOOSE_TOPIC_INTENT:
            return await self._answer_chosen_topic(runtime, dispatcher, tracker, turn)
        topic = topic_for_intent(turn.intent, runtime.knowledge.topics) or OUT_OF_SCOPE
        counterpart = find_counterpart(runtime, turn) if topic not in CONVERSATIONAL_TOPICS else None
        principle_ids = answer_topic(runtime, dispatcher, topic, turn, counterpart, turn.text)
        outcome = "out_of_scope" if topic == OUT_OF_SCOPE else "answered"
        record = build_record(
            runtime, turn, topic=topic, outcome=outcome, counterpart=counterpart, principle_ids=principle_ids
        )
        await save_record(runtime, record)
        announce_record(dispatcher, turn, record.id)
        return context_slots(record.id, topic, counterpart)

    async def _answer_chosen_topic(
        self, runtime: Runtime, dispatcher: CollectingDispatcher, tracker: Tracker, turn: Turn
    ) -> list[dict[str, Any]]:
        """A clarification button was clicked: answer it and complete the original question's record."""
        chosen = turn.entity("topic_choice")
        topic = chosen if chosen in runtime.knowledge.by_topic else OUT_OF_SCOPE
        last_counterpart = tracker.get_slot("last_counterpart")
        counterpart = runtime.gazetteer.resolve(last_counterpart) if last_counterpart else None
        question = tracker.get_slot("last_question") or ""
        principle_ids = answer_topic(runtime, dispatcher, topic, turn, counterpart, question)
        record_id = tracker.get_slot("last_record_id")
        await update_record(runtime, turn, record_id, topic=topic, principle_ids=principle_ids)
        announce_record(dispatcher, turn, record_id)
        return context_slots(record_id, topic, counterpart)
