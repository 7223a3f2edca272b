"""``action_set_department``: the official's answer to "which administration
or company do you work in?" — kept for the conversation and stored on the
record of the question it followed. A follow-up, so it adds no record.

A message NLU took for a department only because it names one ("Hur många
anställda har den internationella enheten på stadsledningskontoret?") is a
question: it is handed to ``action_answer`` (the department it names kept)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_action import conversation_context
from actions.privacy import mask_personal_data
from actions.recording import update_record
from actions.runtime import get_runtime
from actions.turn import MAX_DEPARTMENT_LENGTH, read_turn

MAX_FREE_TEXT_WORDS = 6


class ActionSetDepartment(Action):
    def name(self) -> str:
        return "action_set_department"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = read_turn(tracker)
        department = turn.entity("department")
        runtime = get_runtime()
        if runtime.selector.is_substantive(turn.text, conversation_context(tracker)):
            kept = [SlotSet("department", department)] if department and not tracker.get_slot("department") else []
            return kept + [FollowupAction("action_answer")]
        if not department and not turn.text.startswith("/") and len(turn.text.split()) <= MAX_FREE_TEXT_WORDS:
            department = turn.text
        if not department or not department.strip():
            dispatcher.utter_message(response="utter_department_skipped")
            return [SlotSet("department_asked", True)]
        department = mask_personal_data(" ".join(department.split()))[:MAX_DEPARTMENT_LENGTH]
        await update_record(runtime, turn, tracker.get_slot("last_record_id"), department=department)
        dispatcher.utter_message(response="utter_department_thanks")
        return [SlotSet("department", department), SlotSet("department_asked", True)]
