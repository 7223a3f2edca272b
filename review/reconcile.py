"""Reconciliation: every question that reached Lotsen has an engagement record.

``python -m review.reconcile`` (``make reconcile``) reads the user messages in
Rasa's tracker store (``LOTSEN_TRACKER_URL``, the ``events`` table of Rasa's
``SQLTrackerStore``), picks those that by the records contract get a record
(docs/records.md "One row per question"), and backfills each one without a
record as ``outcome='unrecorded'``: masked question text, hashed conversation
id, the tracker's intent and confidence, the message's time. Record ids come
from Rasa's message ids (``actions.records.record_id_for``), the same ids the
actions use, so running it twice adds nothing, and a real record arriving
later from an action server's outbox replaces the backfilled one.

Which messages get a record is read from what Rasa did with them, the way the
actions decide: a message answered by ``action_answer`` or ``action_clarify``
is a question, except a clarification button (``choose_topic``) and a yes/no
to the assessment offer, which only complete an earlier question; feedback,
the department answer and answers inside the assessment form go to other
actions and get none. Rasa logs the action even when the action server was
down, which is exactly when a record may be missing.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

import sqlalchemy as sa
from rasa_sdk import Tracker
from sqlalchemy.engine import URL, Engine

from actions.intents import CHOOSE_TOPIC_INTENT, OUT_OF_SCOPE, topic_for_intent
from actions.recording import build_record
from actions.records import EngagementRecord, RecordStore
from actions.runtime import Runtime, build_runtime
from actions.settings import PROJECT_ROOT, load_settings
from actions.turn import read_turn
from stores.endpoint_env import STORE_DEFAULTS
from stores.tracker_store import URL_VARIABLE, parse_tracker_url

RECORDING_ACTIONS = ("action_answer", "action_clarify")
OFFER_REPLY_INTENTS = ("affirm", "deny")
SLOT_RESETS = ("restart", "reset_slots", "session_started")


@dataclass(frozen=True)
class Question:
    """A user message that by the records contract has a record."""

    sender_id: str
    event: dict[str, Any]  # Rasa's UserUttered, as the tracker store keeps it
    department_slot: Optional[str]


@dataclass(frozen=True)
class Summary:
    messages_seen: int
    questions: int
    records_present: int
    backfilled: int


def is_question(intent: Optional[str], action: str, slots: dict[str, Any], asks_something: bool = False) -> bool:
    """Whether a message Rasa passed to ``action`` gets its own record (as the actions decide).

    ``asks_something``: the text is a question of its own (``EntrySelector.is_question``), so a
    "Varför inte?" while the assessment offer is pending is a question, not a reply to the offer.
    """
    if action == "action_clarify":
        return True
    if intent == CHOOSE_TOPIC_INTENT:
        return False
    return asks_something or not (intent in OFFER_REPLY_INTENTS and slots.get("assessment_offered"))


def questions_in(sender_id: str, events: Iterable[dict[str, Any]],
                 asks_something: Callable[[str], bool] = lambda text: False) -> Iterator[Question]:
    """The questions among one conversation's events (in order), replaying its slots."""
    slots: dict[str, Any] = {}
    message: Optional[dict[str, Any]] = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            message = event
        elif kind == "slot" and isinstance(event.get("name"), str):
            slots[event["name"]] = event.get("value")
        elif kind in SLOT_RESETS:
            slots = {}
        elif kind == "action" and message is not None and event.get("name") in RECORDING_ACTIONS:
            intent = (message.get("parse_data") or {}).get("intent", {}).get("name")
            if is_question(intent, event["name"], slots, asks_something(message.get("text") or "")):
                yield Question(sender_id, message, slots.get("department"))
            message = None  # one record per message at most


def tracker_engine(raw_url: str, must_exist: bool = True) -> Optional[Engine]:
    """An engine on the tracker store; a relative SQLite path is from the project root.

    A SQLite tracker file that does not exist is an error, or with
    ``must_exist=False`` gives None (nothing was ever stored there)."""
    url: URL = parse_tracker_url(raw_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        path = path if path.is_absolute() else PROJECT_ROOT / path
        if not path.exists():
            if not must_exist:
                return None
            raise SystemExit(f"{URL_VARIABLE}: the tracker store {path} does not exist")
        url = url.set(database=str(path))
    return sa.create_engine(url, future=True)


def configured_tracker_url() -> str:
    """The tracker store's URL as Rasa gets it (environment, else the development default)."""
    return os.environ.get(URL_VARIABLE) or STORE_DEFAULTS[URL_VARIABLE]


def user_events(engine: Engine) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every conversation's events (sender id, events in order) from Rasa's ``events`` table."""
    from rasa.core.tracker_store import SQLTrackerStore  # Rasa's own table definition

    events = SQLTrackerStore.SQLEvent.__table__
    if not sa.inspect(engine).has_table(events.name):
        raise SystemExit(f"{URL_VARIABLE}: no Rasa tracker store (table '{events.name}') in "
                         f"{engine.url.render_as_string(hide_password=True)}")
    query = sa.select(events.c.sender_id, events.c.data).order_by(events.c.sender_id, events.c.id)
    with engine.connect() as conn:
        sender: Optional[str] = None
        batch: list[dict[str, Any]] = []
        for sender_id, data in conn.execution_options(yield_per=1000).execute(query):
            if sender_id != sender and sender is not None:
                yield sender, batch
                batch = []
            sender = sender_id
            batch.append(json.loads(data))
        if sender is not None:
            yield sender, batch


def unrecorded_record(runtime: Runtime, question: Question) -> EngagementRecord:
    """The record the actions would have written, as read from the tracker, marked ``unrecorded``."""
    event = question.event
    latest = {**(event.get("parse_data") or {}), "text": event.get("text"),
              "message_id": event.get("message_id"), "metadata": event.get("metadata") or {}}
    tracker = Tracker(question.sender_id, {"department": question.department_slot}, latest, [event],
                      False, None, {}, None)
    turn = read_turn(tracker)
    topic = topic_for_intent(turn.intent, runtime.knowledge.topics) or OUT_OF_SCOPE
    record = build_record(runtime, turn, topic=topic, outcome="unrecorded")
    when = event.get("timestamp")
    return dataclasses.replace(record, created_at=datetime.fromtimestamp(when, timezone.utc)) if when else record


def reconcile(runtime: Runtime, store: RecordStore, tracker: Engine, dry_run: bool = False) -> Summary:
    """Backfill every question in ``tracker`` that has no record in ``store``."""
    messages = questions = present = backfilled = 0
    for sender_id, events in user_events(tracker):
        messages += sum(1 for e in events if e.get("event") == "user")
        asked = questions_in(sender_id, events, runtime.selector.is_question)
        candidates = [unrecorded_record(runtime, q) for q in asked]
        questions += len(candidates)
        existing = store.existing_ids([r.id for r in candidates])
        present += len(existing)
        for record in candidates:
            if record.id in existing:
                continue
            if dry_run or store.insert(record):
                backfilled += 1
    return Summary(messages, questions, present, backfilled)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.reconcile", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="only count what would be backfilled")
    args = parser.parse_args(argv)
    tracker = tracker_engine(configured_tracker_url())
    runtime = build_runtime(load_settings())
    # What this machine's outbox still holds is late, not missing: write it first.
    if runtime.drainer.drain_once().database_down:
        raise SystemExit("the records database (ENGAGEMENT_DB_URL) is unreachable; nothing reconciled")
    summary = reconcile(runtime, runtime.writer.store, tracker, dry_run=args.dry_run)
    print(f"messages seen: {summary.messages_seen}; questions (by the records contract): {summary.questions}; "
          f"records present: {summary.records_present}; "
          f"{'would backfill' if args.dry_run else 'backfilled'}: {summary.backfilled}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
