"""``action_feedback``: thumbs up/down (and an optional comment) on an answer,
stored on that answer's record.

The payload names the record when the client knows it (the web widget:
``/feedback{"feedback_value": "down", "record_id": "...", "feedback_comment": "..."}``);
otherwise the conversation's last answered record is meant.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy import mask_personal_data
from actions.recording import update_record
from actions.runtime import get_runtime
from actions.turn import read_turn

FEEDBACK_VALUES = ("up", "down")
MAX_COMMENT_LENGTH = 1000


def clean_comment(comment: Optional[str]) -> Optional[str]:
    if not comment or not comment.strip():
        return None
    return mask_personal_data(" ".join(comment.split()))[:MAX_COMMENT_LENGTH]


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = read_turn(tracker)
        value = turn.entity("feedback_value")
        if value not in FEEDBACK_VALUES:
            dispatcher.utter_message(response="utter_feedback_invalid")
            return []
        record_id = turn.entity("record_id") or tracker.get_slot("last_record_id")
        values: dict[str, Any] = {"feedback": value}
        comment = clean_comment(turn.entity("feedback_comment"))
        if comment:
            values["feedback_comment"] = comment
        await update_record(get_runtime(), turn, record_id, **values)
        dispatcher.utter_message(response=f"utter_feedback_{value}")
        return []
