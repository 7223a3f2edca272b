"""Turning a turn into an engagement record, and writing it without losing the answer."""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk.executor import CollectingDispatcher

from actions.counterparts import Counterpart
from actions.privacy import conversation_hash, mask_personal_data
from actions.records import EngagementRecord, record_id_for
from actions.runtime import Runtime
from actions.turn import Turn

logger = logging.getLogger(__name__)


def build_record(
    runtime: Runtime, turn: Turn, *, topic: str, outcome: str,
    counterpart: Optional[Counterpart] = None, principle_ids: Optional[list[str]] = None,
    search_score: Optional[float] = None, entry_confidence: Optional[float] = None, from_context: bool = False,
    question: Optional[str] = None,
) -> EngagementRecord:
    """The record of ``turn``; ``question`` replaces the typed text (a clicked suggestion's title)."""
    conversation_id = hashed_conversation(runtime, turn)
    return EngagementRecord(
        id=record_id_for(conversation_id, turn.message_id),
        conversation_id=conversation_id,
        channel=turn.channel,
        department=turn.department,
        question=mask_personal_data(question if question is not None else turn.text),
        question_truncated=turn.truncated,
        intent=turn.intent,
        intent_confidence=turn.confidence,
        topic=topic,
        counterpart=counterpart.name if counterpart else None,
        counterpart_type=counterpart.type if counterpart else None,
        principle_ids=principle_ids or [],
        outcome=outcome,
        search_score=search_score,
        entry_confidence=entry_confidence,
        from_context=from_context,
        kb_version=runtime.knowledge.version,
        model_id=turn.model_id,
    )


async def save_record(runtime: Runtime, record: EngagementRecord) -> None:
    """Insert ``record``. When the database is down the writer keeps it in the
    durable outbox (written once the database is back); only a record the
    database refuses outright is logged and lost, never the user's answer."""
    if not runtime.settings.records_enabled:
        return
    try:
        await runtime.writer.insert(record)
    except Exception:  # noqa: BLE001 - the answer must still reach the user
        logger.exception("could not store engagement record %s (topic %s)", record.id, record.topic)


def hashed_conversation(runtime: Runtime, turn: Turn) -> str:
    return conversation_hash(turn.sender_id, runtime.settings.hash_key)


async def update_record(runtime: Runtime, turn: Turn, record_id: Optional[str], **values: Any) -> None:
    """Update the record (of this turn's conversation) that a follow-up message
    belongs to; queued in the outbox behind its insert while the database is down."""
    if not runtime.settings.records_enabled or not record_id:
        return
    try:
        if not await runtime.writer.update(record_id, hashed_conversation(runtime, turn), **values):
            logger.warning("engagement record %s to update was not found", record_id)
    except Exception:  # noqa: BLE001 - the answer must still reach the user
        logger.exception("could not update engagement record %s", record_id)


# Channels whose client attaches feedback to a specific answer (the web widget, the Teams cards).
RECORD_ID_CHANNELS = ("socketio", "msteams")


def announce_record(dispatcher: CollectingDispatcher, turn: Turn, record_id: Optional[str]) -> None:
    """Tell a widget client which record the answer just sent belongs to, so
    its thumbs can name it. Other channels (REST, Teams) get nothing extra."""
    if record_id and turn.channel in RECORD_ID_CHANNELS:
        dispatcher.utter_message(json_message={"lotsen": {"record_id": record_id}})
