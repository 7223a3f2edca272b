"""``action_answer``: answers every question from the knowledge base (or a
domain response for smalltalk and out-of-scope) and records it.

Which entry answers, and whether the message is a follow-up on the last
answer, is decided by :func:`actions.selection.plan.plan_reply` (the same
decision ``make eval`` measures); the reply is composed by
:func:`actions.answering.compose_reply`. After a first delegation or
agreement answer the action offers the guided assessment; a question asked
while the offer is pending is answered, not read as a refusal.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import Reply, compose_entry, compose_reply, followup_buttons
from actions.assessment import TOPIC_TO_TYPE
from actions.case_parsing import parse_date
from actions.counterparts import Counterpart
from actions.forms import CASE_SLOTS
from actions.intents import CHOOSE_TOPIC_INTENT, FOLLOWUP_CHOICE_INTENT, OUT_OF_SCOPE
from actions.knowledge import CONVERSATIONAL_TOPICS, Entry
from actions.recording import announce_record, build_record, save_record, update_record
from actions.runtime import Runtime, get_runtime
from actions.selection.context import Context
from actions.selection.plan import plan_reply
from actions.selection.selector import Selection
from actions.turn import Turn, read_turn

OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"
ASSESSMENT_FORM = "assessment_form"
ANSWERED = "answered"
NEAREST = "nearest_entry"


def followup_payload(entry_id: str) -> str:
    return f"/{FOLLOWUP_CHOICE_INTENT}" + json.dumps({"entry_id": entry_id}, ensure_ascii=False)


def find_counterpart(runtime: Runtime, turn: Turn) -> Optional[Counterpart]:
    """NLU's counterpart where the words as typed can name one, else a gazetteer name in the text."""
    entity = next((e for e in turn.entities if e.get("entity") == "counterpart"), None)
    return runtime.gazetteer.counterpart_in(turn.text, entity)


def conversation_context(tracker: Tracker) -> Context:
    """What the conversation's last answer was about, from the slots."""
    entries = tracker.get_slot("last_entries") or []
    return Context(topic=tracker.get_slot("last_topic"), entry_id=entries[0] if entries else None,
                   counterpart=tracker.get_slot("last_counterpart"), reply_entries=tuple(entries),
                   yes_no=bool(tracker.get_slot("last_yes_no")))


def context_slots(record_id: Optional[str], topic: str, counterpart: Optional[Counterpart],
                  entries: tuple[str, ...] = (), yes_no: bool = False) -> list[dict[str, Any]]:
    return [
        SlotSet("last_record_id", record_id),
        SlotSet("last_topic", topic),
        SlotSet("last_counterpart", counterpart.name if counterpart else None),
        SlotSet("last_entries", list(entries)),
        SlotSet("last_yes_no", yes_no),
    ]


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=list(reply.buttons) or None)


def answer_selection(runtime: Runtime, dispatcher: CollectingDispatcher, turn: Turn,
                     selection: Selection) -> Optional[Counterpart]:
    """Send the reply for ``selection``; return the counterpart it was about."""
    counterpart = runtime.gazetteer.resolve(selection.counterpart) if selection.counterpart else None
    asks = runtime.selector.asks
    reply = compose_reply(
        runtime.knowledge, selection, counterpart, runtime.presentation, turn.text, runtime.facts,
        asks.label(selection.unanswered_ask) if selection.unanswered_ask else None, asks.is_english(turn.text),
        followup_payload,
    )
    send(dispatcher, reply)
    return counterpart


def answer_entry(runtime: Runtime, dispatcher: CollectingDispatcher, entry: Entry,
                 counterpart: Optional[Counterpart], question: str) -> None:
    """Send one entry's answer to ``question`` (a clicked button), with its suggested follow-ups."""
    yes_no = runtime.selector.asks.read(question).yes_no
    text = compose_entry(entry, counterpart, runtime.presentation, yes_no, question, runtime.facts)
    send(dispatcher, Reply(text, followup_buttons(runtime.knowledge, [entry], followup_payload)))


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
        offered = tracker.get_slot("assessment_offered")
        if turn.intent in ("affirm", "deny") and offered and not runtime.selector.is_question(turn.text):
            return self._reply_to_offer(dispatcher, turn)
        events: list[dict[str, Any]] = []
        if turn.department and not tracker.get_slot("department"):
            events.append(SlotSet("department", turn.department))
        in_form = bool((tracker.active_loop or {}).get("name"))
        context = conversation_context(tracker)
        selection = None
        if turn.intent == FOLLOWUP_CHOICE_INTENT:
            topic, counterpart, principle_ids, selection = self._answer_followup_choice(
                runtime, dispatcher, turn, context)
        else:
            topic, counterpart, principle_ids, selection = self._answer_message(
                runtime, dispatcher, turn, context, in_form)
        outcome = ("out_of_scope" if topic == OUT_OF_SCOPE else
                   NEAREST if selection is not None and selection.nearest else ANSWERED)
        record = build_record(
            runtime, turn, topic=topic, outcome=outcome, counterpart=counterpart, principle_ids=principle_ids,
            entry_confidence=selection.confidence if selection else None,
            from_context=bool(selection and selection.from_context),
            # A clicked suggestion is recorded as the question the official saw on the button.
            question=runtime.knowledge.entries[principle_ids[0]].title
            if turn.intent == FOLLOWUP_CHOICE_INTENT and principle_ids else None,
        )
        await save_record(runtime, record)
        announce_record(dispatcher, turn, record.id)
        if selection is not None:
            events += context_slots(record.id, topic, counterpart, selection.entries, selection.form.yes_no)
        else:
            events += context_slots(record.id, topic, None) if topic not in CONVERSATIONAL_TOPICS else []
        first_answer = selection is not None and not selection.from_context and not selection.nearest
        if first_answer and topic in TOPIC_TO_TYPE and not in_form:
            events += offer_assessment(dispatcher, topic, record.id, counterpart, turn.text)
        else:
            if not in_form and offered:
                events.append(SlotSet("assessment_offered", False))
            if self._should_ask_department(tracker, turn, topic, in_form):
                dispatcher.utter_message(response="utter_ask_department_once")
                events.append(SlotSet("department_asked", True))
        return events

    @staticmethod
    def _answer_message(
        runtime: Runtime, dispatcher: CollectingDispatcher, turn: Turn, context: Context, in_form: bool,
    ) -> tuple[str, Optional[Counterpart], list[str], Optional[Selection]]:
        """Answer a typed message: (topic, counterpart, entries cited, selection)."""
        counterpart = find_counterpart(runtime, turn)
        plan = plan_reply(runtime.selector, turn.text, turn.intent, turn.ranking, context,
                          counterpart.name if counterpart else None)
        if plan.kind == "conversational":
            suffix = "_in_form" if in_form and turn.intent == "help" else ""
            dispatcher.utter_message(response=f"utter_{turn.intent}{suffix}")
            return "smalltalk", None, [], None
        if plan.kind != "answer" or plan.selection is None:
            dispatcher.utter_message(response=OUT_OF_SCOPE_RESPONSE)
            return OUT_OF_SCOPE, None, [], None
        selection = plan.selection
        counterpart = answer_selection(runtime, dispatcher, turn, selection)
        return selection.topic, counterpart, list(selection.entries), selection

    @staticmethod
    def _answer_followup_choice(
        runtime: Runtime, dispatcher: CollectingDispatcher, turn: Turn, context: Context,
    ) -> tuple[str, Optional[Counterpart], list[str], Optional[Selection]]:
        """A suggested follow-up was clicked: answer its entry, recorded as a question of its own."""
        entry = runtime.knowledge.entries.get(turn.entity("entry_id") or "")
        if entry is None:  # an old or forged button: say what Lotsen covers instead
            dispatcher.utter_message(response=OUT_OF_SCOPE_RESPONSE)
            return OUT_OF_SCOPE, None, [], None
        counterpart = runtime.gazetteer.resolve(context.counterpart) if context.counterpart else None
        selection = Selection(entries=(entry.id,), topic=entry.topic, confidence=1.0,
                              form=runtime.selector.asks.read(entry.title), from_context=True,
                              counterpart=counterpart.name if counterpart else None)
        answer_entry(runtime, dispatcher, entry, counterpart, entry.title)
        return entry.topic, counterpart, [entry.id], selection

    @staticmethod
    def _should_ask_department(tracker: Tracker, turn: Turn, topic: str, in_form: bool) -> bool:
        """Once per conversation, after a principle answer, unless the channel or the official told it."""
        return not (in_form or turn.department or tracker.get_slot("department")
                    or tracker.get_slot("department_asked") or topic in CONVERSATIONAL_TOPICS)

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
        name = tracker.get_slot("last_counterpart")
        counterpart = runtime.gazetteer.resolve(name) if name else None
        entry = runtime.knowledge.entries.get(turn.entity("entry_id") or "")
        principle_ids: list[str] = []
        if topic == OUT_OF_SCOPE:
            dispatcher.utter_message(response=OUT_OF_SCOPE_RESPONSE)
        else:
            question = tracker.get_slot("last_question") or ""
            if entry is None or entry.topic != topic:  # a topic button: the topic's entry for the question
                selection = runtime.selector.select(question, {topic: 1.0})
                entry = runtime.knowledge.entries[selection.entries[0]]
            answer_entry(runtime, dispatcher, entry, counterpart, question)
            principle_ids = [entry.id]
        record_id = tracker.get_slot("last_record_id")
        await update_record(runtime, turn, record_id, topic=topic, principle_ids=principle_ids)
        announce_record(dispatcher, turn, record_id)
        return context_slots(record_id, topic, counterpart, tuple(principle_ids))
