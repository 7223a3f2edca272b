"""``action_answer``: answers every question from the knowledge base (or a
domain response for smalltalk and out-of-scope) and records it.

It also keeps the context of a conversation: after a delegation or agreement
answer it offers the guided assessment; "och om det är Oslo i stället?"
answers the previous topic for a new counterpart; a short "vem bestämmer
det?" right after a case-type answer is answered for that case.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import choose_entry, citation, compose_answer
from actions.assessment import TOPIC_TO_TYPE
from actions.case_parsing import parse_date
from actions.counterparts import Counterpart
from actions.forms import CASE_SLOTS
from actions.intents import CHOOSE_TOPIC_INTENT, FOLLOWUP_COUNTERPART_INTENT, OUT_OF_SCOPE, topic_for_intent
from actions.knowledge import CONVERSATIONAL_TOPICS
from actions.recording import announce_record, build_record, save_record, update_record
from actions.runtime import Runtime, get_runtime
from actions.turn import Turn, read_turn
from nlp.lemmas import lemmatize

OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"
ASSESSMENT_FORM = "assessment_form"
DECIDER_TOPIC = "mandat_beslut"
MAX_FOLLOWUP_WORDS = 6


def find_counterpart(runtime: Runtime, turn: Turn) -> Optional[Counterpart]:
    """DIET's counterpart resolved through the gazetteer; else a gazetteer name in the text."""
    return runtime.gazetteer.counterpart_of(turn.entity("counterpart"), turn.text)


def answer_topic(
    runtime: Runtime, dispatcher: CollectingDispatcher, topic: str, turn: Turn,
    counterpart: Optional[Counterpart], question_text: str, in_form: bool = False,
) -> list[str]:
    """Send the answer for ``topic``; return the ids of the entries it cites."""
    if topic == OUT_OF_SCOPE:
        dispatcher.utter_message(response=OUT_OF_SCOPE_RESPONSE)
        return []
    if topic in CONVERSATIONAL_TOPICS:
        suffix = "_in_form" if in_form and turn.intent == "help" else ""
        dispatcher.utter_message(response=f"utter_{turn.intent}{suffix}")
        return []
    entry = choose_entry(runtime.knowledge, topic, lemmatize(question_text), question_text)
    dispatcher.utter_message(text=compose_answer(entry, counterpart, runtime.presentation))
    return [entry.id]


def answer_deciders_in_context(
    runtime: Runtime, dispatcher: CollectingDispatcher, engagement_type: str, counterpart: Optional[Counterpart],
) -> list[str]:
    """Who decides, for the kind of case the official just asked about."""
    guide = runtime.guide
    kind = guide.data["engagement_types"][engagement_type]
    layout = guide.data["layout"]
    template = layout["context_deciders"] if counterpart else layout["context_deciders_no_counterpart"]
    lines = [template.format(type=guide.label(engagement_type).lower(), counterpart=counterpart.name if counterpart else "")]
    lines += [guide.data["layout"]["bullet"].format(text=d["text"]) for d in kind["deciders"]]
    cited = [c for d in kind["deciders"] for c in d.get("cites", [])]
    entry = runtime.knowledge.entries[cited[0]]
    lines.append(citation(entry, runtime.presentation))
    dispatcher.utter_message(text="\n".join(lines))
    return list(dict.fromkeys(cited))


def context_slots(record_id: Optional[str], topic: str, counterpart: Optional[Counterpart]) -> list[dict[str, Any]]:
    return [
        SlotSet("last_record_id", record_id),
        SlotSet("last_topic", topic),
        SlotSet("last_counterpart", counterpart.name if counterpart else None),
    ]


def offer_assessment(dispatcher: CollectingDispatcher, topic: str, record_id: str,
                     counterpart: Optional[Counterpart], question: str) -> list[dict[str, Any]]:
    """After a delegation or agreement answer: offer to go through the case, pre-filled from the question."""
    dispatcher.utter_message(response="utter_offer_assessment")
    planned = parse_date(question)
    return [SlotSet(name, None) for name in CASE_SLOTS] + [
        SlotSet("assessment_offered", True),
        SlotSet("engagement_type", TOPIC_TO_TYPE[topic]),
        SlotSet("case_record_id", record_id),
        SlotSet("case_counterpart", counterpart.name if counterpart else None),
        SlotSet("case_date", planned.display if planned else None),
        SlotSet("case_date_iso", planned.iso if planned else None),
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
        if turn.intent in ("affirm", "deny") and tracker.get_slot("assessment_offered"):
            return self._reply_to_offer(dispatcher, turn)
        events: list[dict[str, Any]] = []
        if turn.department and not tracker.get_slot("department"):
            events.append(SlotSet("department", turn.department))
        topic, counterpart = self._topic_and_counterpart(runtime, tracker, turn)
        in_form = bool((tracker.active_loop or {}).get("name"))
        last_topic = tracker.get_slot("last_topic")
        if (topic == DECIDER_TOPIC and last_topic in TOPIC_TO_TYPE
                and len(turn.text.split()) <= MAX_FOLLOWUP_WORDS):
            counterpart = counterpart or self._last_counterpart(runtime, tracker)
            principle_ids = answer_deciders_in_context(runtime, dispatcher, TOPIC_TO_TYPE[last_topic], counterpart)
        else:
            principle_ids = answer_topic(runtime, dispatcher, topic, turn, counterpart, turn.text, in_form)
        outcome = "out_of_scope" if topic == OUT_OF_SCOPE else "answered"
        record = build_record(
            runtime, turn, topic=topic, outcome=outcome, counterpart=counterpart, principle_ids=principle_ids
        )
        await save_record(runtime, record)
        announce_record(dispatcher, turn, record.id)
        events += context_slots(record.id, topic, counterpart)
        if topic in TOPIC_TO_TYPE and not in_form:
            events += offer_assessment(dispatcher, topic, record.id, counterpart, turn.text)
        else:
            if not in_form and tracker.get_slot("assessment_offered"):
                events.append(SlotSet("assessment_offered", False))
            if self._should_ask_department(tracker, turn, topic, in_form):
                dispatcher.utter_message(response="utter_ask_department_once")
                events.append(SlotSet("department_asked", True))
        return events

    @staticmethod
    def _should_ask_department(tracker: Tracker, turn: Turn, topic: str, in_form: bool) -> bool:
        """Once per conversation, after a principle answer, unless the channel or the official told it."""
        return not (in_form or turn.department or tracker.get_slot("department")
                    or tracker.get_slot("department_asked") or topic in CONVERSATIONAL_TOPICS)

    @staticmethod
    def _last_counterpart(runtime: Runtime, tracker: Tracker) -> Optional[Counterpart]:
        name = tracker.get_slot("last_counterpart")
        return runtime.gazetteer.resolve(name) if name else None

    def _topic_and_counterpart(
        self, runtime: Runtime, tracker: Tracker, turn: Turn
    ) -> tuple[str, Optional[Counterpart]]:
        if turn.intent == FOLLOWUP_COUNTERPART_INTENT:
            last_topic = tracker.get_slot("last_topic")
            topic = last_topic if last_topic in runtime.knowledge.by_topic else OUT_OF_SCOPE
            return topic, find_counterpart(runtime, turn)
        topic = topic_for_intent(turn.intent, runtime.knowledge.topics) or OUT_OF_SCOPE
        counterpart = find_counterpart(runtime, turn) if topic not in CONVERSATIONAL_TOPICS else None
        return topic, counterpart

    @staticmethod
    def _reply_to_offer(dispatcher: CollectingDispatcher, turn: Turn) -> list[dict[str, Any]]:
        """Yes/no to "Vill du att vi går igenom ert fall?" is a follow-up, not a new question."""
        if turn.intent == "affirm":  # normally a rule starts the form; this is the safety net
            return [FollowupAction(ASSESSMENT_FORM)]
        dispatcher.utter_message(response="utter_assessment_declined")
        return [SlotSet("assessment_offered", False)]

    async def _answer_chosen_topic(
        self, runtime: Runtime, dispatcher: CollectingDispatcher, tracker: Tracker, turn: Turn
    ) -> list[dict[str, Any]]:
        """A clarification button was clicked: answer it and complete the original question's record."""
        chosen = turn.entity("topic_choice")
        topic = chosen if chosen in runtime.knowledge.by_topic else OUT_OF_SCOPE
        counterpart = self._last_counterpart(runtime, tracker)
        entry = runtime.knowledge.entries.get(turn.entity("entry_id") or "")
        if entry is not None and entry.topic == topic:  # a "Menade du …?" suggestion names its entry
            dispatcher.utter_message(text=compose_answer(entry, counterpart, runtime.presentation))
            principle_ids = [entry.id]
        else:
            question = tracker.get_slot("last_question") or ""
            principle_ids = answer_topic(runtime, dispatcher, topic, turn, counterpart, question)
        record_id = tracker.get_slot("last_record_id")
        await update_record(runtime, turn, record_id, topic=topic, principle_ids=principle_ids)
        announce_record(dispatcher, turn, record_id)
        return context_slots(record_id, topic, counterpart)
