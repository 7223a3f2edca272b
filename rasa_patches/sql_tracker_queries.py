"""Read and write Rasa's SQL tracker store with SQLAlchemy Core instead of the ORM.

Rasa 3.6's ``SQLTrackerStore`` loads every event of the session as an ORM
object only to read its ``data`` column, adds each new event as an ORM object,
and before every save counts the session's stored events with a second query
(``_additional_events``) to learn which of the tracker's events are new.
py-spy under 20 users: SQLAlchemy's own Python code was 29 % of the Rasa
server's event-loop time, more than DIET (docs/performance.md).

Here, on every database SQLAlchemy supports (SQLite and PostgreSQL here):

* ``_retrieve`` selects the ``data`` column only, with Rasa's filter (the
  events of the latest session, or of all sessions) and order (by id), as a
  statement built once with the conversation as a bound parameter;
* ``save`` inserts the new events in one Core ``executemany`` with the same
  column values Rasa writes, on the session's connection;
* the count query is skipped when the tracker being saved is the very object
  this store read or saved last and nothing since then started a session:
  the number of its events that are stored is then the number read plus
  those saved since, which is exactly what Rasa's count would return.
  Rasa's lock store holds the conversation for the whole message, so no other
  writer adds events in between (with several replicas, the Redis lock
  store, as issue 7's topology runs). Any other tracker (a new one, a copy,
  one that has just started a session) is counted as Rasa does.

Same rows, same trackers: ``tests/rasa_patches/test_sql_tracker_queries.py``
compares this store with Rasa's own on SQLite and PostgreSQL.
"""
from __future__ import annotations

import functools
import itertools
import json
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

RASA_RETRIEVE = rasa_original(SQLTrackerStore, "_retrieve")  # Rasa's own, for comparison in the tests
RASA_SAVE = rasa_original(SQLTrackerStore, "save")
_STORED = "_lotsen_stored_events"  # attribute on a tracker: (id(tracker), events of it that are stored)


def _events_table() -> sa.Table:
    return SQLTrackerStore.SQLEvent.__table__


@functools.lru_cache(maxsize=2)
def events_query(all_sessions: bool) -> sa.sql.Select:
    """The ``data`` of conversation ``:sender_id``'s events, as Rasa's ``_event_query`` selects them."""
    table = _events_table()
    sender_id = sa.bindparam("sender_id")
    query = sa.select(table.c.data).where(table.c.sender_id == sender_id)
    if not all_sessions:
        session_start = (
            sa.select(sa.func.max(table.c.timestamp))
            .where(table.c.sender_id == sender_id, table.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        query = query.where(sa.or_(table.c.timestamp >= session_start, session_start.is_(None)))
    return query.order_by(table.c.id)


@functools.lru_cache(maxsize=1)
def insert_events() -> sa.sql.Insert:
    return _events_table().insert()


def remember_stored(tracker: DialogueStateTracker, count: int) -> None:
    setattr(tracker, _STORED, (id(tracker), count))


def forget_stored(tracker: DialogueStateTracker) -> None:
    if hasattr(tracker, _STORED):
        delattr(tracker, _STORED)


def stored_count(tracker: DialogueStateTracker) -> Optional[int]:
    """How many of ``tracker``'s events are in the latest stored session, if this store knows it."""
    marker = getattr(tracker, _STORED, None)
    if marker is None or marker[0] != id(tracker):  # a copy carries the attribute but is not the tracker read
        return None
    return marker[1]


def event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """The column values Rasa's ``SQLTrackerStore.save`` writes for one event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


async def _retrieve(self: SQLTrackerStore, sender_id: str,
                    fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
    """Rasa's ``SQLTrackerStore._retrieve``, reading only the ``data`` column."""
    with self.session_scope() as session:
        query = events_query(fetch_events_from_all_sessions)
        rows = session.connection().execute(query, {"sender_id": sender_id}).scalars().all()
    if not (self.domain and rows):
        return None
    tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in rows], self.domain.slots)
    if not fetch_events_from_all_sessions and len(tracker.events) == len(rows):
        remember_stored(tracker, len(rows))
    return tracker


def stored_in_session(self: SQLTrackerStore, session: Any, tracker: DialogueStateTracker) -> int:
    """How many of the tracker's events the latest stored session holds: remembered, or Rasa's count query."""
    stored = stored_count(tracker)
    if stored is None:
        return self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
    return stored


async def save(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    """Rasa's ``SQLTrackerStore.save``: the new events inserted in one statement."""
    await self.stream_events(tracker)
    with self.session_scope() as session:
        start = stored_in_session(self, session, tracker)
        events = list(itertools.islice(tracker.events, start, len(tracker.events)))
        if events:
            session.connection().execute(insert_events(), [event_row(tracker.sender_id, e) for e in events])
        session.commit()
    if start > len(tracker.events) or any(isinstance(e, SessionStarted) for e in events):
        forget_stored(tracker)  # Rasa counts a new session from its start: let the count query say it
    else:
        remember_stored(tracker, len(tracker.events))  # what Rasa's count query would now return


PATCHES = (Patch(__name__, SQLTrackerStore, "_retrieve", _retrieve), Patch(__name__, SQLTrackerStore, "save", save))


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
