"""``action_feedback``: thumbs up/down on an answer, stored on that answer's record."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.recording import update_record
from actions.runtime import get_runtime
from actions.turn import read_turn

FEEDBACK_VALUES = ("up", "down")


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        value = read_turn(tracker).entity("feedback_value")
        if value not in FEEDBACK_VALUES:
            dispatcher.utter_message(response="utter_feedback_invalid")
            return []
        await update_record(get_runtime(), tracker.get_slot("last_record_id"), feedback=value)
        dispatcher.utter_message(response=f"utter_feedback_{value}")
        return []
