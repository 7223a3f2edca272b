"""The tracker store's Core queries (rasa_patches/sql_tracker_queries.py) write the
same rows and read back the same conversations as Rasa's own SQLTrackerStore,
on SQLite and on a real PostgreSQL: new conversations, several messages, a
second save of the same tracker, a saved copy, a new session and the saves
after it; and a message's save no longer counts the stored events first."""
from __future__ import annotations

import asyncio
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_patches import sql_tracker_queries
from stores.tracker_store import URLSQLTrackerStore
from tests.support.servers import ROOT

sql_tracker_queries.apply()

DOMAIN = Domain.load(ROOT / "domain.yml")


class RasasOwnStore(URLSQLTrackerStore):
    """The same store with Rasa 3.6's original read and write."""

    _retrieve = sql_tracker_queries.RASA_RETRIEVE
    save = sql_tracker_queries.RASA_SAVE


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS events")
    engine.dispose()
    yield url


def question(text: str, intent: str, at: float) -> list[Any]:
    return [UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=at),
            SlotSet("last_topic", intent, timestamp=at + 0.1),
            ActionExecuted("action_answer", timestamp=at + 0.2),
            BotUttered("Svar", timestamp=at + 0.3),
            ActionExecuted("action_listen", timestamp=at + 0.4)]


async def conversation(store: SQLTrackerStore, sender: str) -> None:
    """Rasa's tracker-store calls over a conversation, each with fixed timestamps."""
    tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen", timestamp=0.5)], DOMAIN.slots)
    await store.save(tracker)  # a new conversation, as Rasa's create_tracker saves it
    for event in [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.1),
                  ActionExecuted("action_listen", timestamp=1.2), *question("Får vi?", "vanortsavtal", 2.0)]:
        tracker.update(event)
    await store.save(tracker)

    for at in (3.0, 4.0):  # one message each: read, add, save
        tracker = await store.retrieve(sender)
        for event in question("Och bistånd?", "bistand", at):
            tracker.update(event)
        await store.save(tracker)

    tracker = await store.retrieve(sender)  # the same tracker saved twice
    for event in question("Delegation?", "delegationsbesok", 5.0)[:2]:
        tracker.update(event)
    await store.save(tracker)
    for event in question("Delegation?", "delegationsbesok", 5.0)[2:]:
        tracker.update(event)
    await store.save(tracker)

    copy = (await store.retrieve(sender)).copy()  # a copy is counted, not trusted
    for event in question("Nätverk?", "natverk", 6.0):
        copy.update(event)
    await store.save(copy)

    tracker = await store.retrieve(sender)  # a new session inside a message, then two saves
    for event in [ActionExecuted("action_session_start", timestamp=7.0), SessionStarted(timestamp=7.1),
                  SlotSet("last_topic", "natverk", timestamp=7.2), ActionExecuted("action_listen", timestamp=7.3),
                  *question("Vem bestämmer?", "mandat_beslut", 8.0)[:3]]:
        tracker.update(event)
    await store.save(tracker)
    for event in question("Vem bestämmer?", "mandat_beslut", 8.0)[3:]:
        tracker.update(event)
    await store.save(tracker)

    tracker = await store.retrieve(sender)  # and a message in the new session
    for event in question("Och Oslo?", "followup_counterpart", 9.0):
        tracker.update(event)
    await store.save(tracker)


def stored_rows(store: SQLTrackerStore, sender: str) -> list[tuple]:
    table = SQLTrackerStore.SQLEvent.__table__
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            sa.select(table.c.type_name, table.c.timestamp, table.c.intent_name, table.c.action_name, table.c.data)
            .where(table.c.sender_id == sender).order_by(table.c.id))]


def test_the_store_writes_and_reads_exactly_what_rasas_own_store_does(url):
    ours, rasas = URLSQLTrackerStore(DOMAIN, host=url), RasasOwnStore(DOMAIN, host=url)
    asyncio.run(conversation(ours, "official"))
    asyncio.run(conversation(rasas, "official-rasa"))

    assert stored_rows(ours, "official") == stored_rows(rasas, "official-rasa")
    assert len(stored_rows(ours, "official")) > 30
    for read in ("retrieve", "retrieve_full_tracker"):
        mine = asyncio.run(getattr(ours, read)("official"))
        theirs = asyncio.run(getattr(rasas, read)("official-rasa"))
        assert mine.current_state() == {**theirs.current_state(), "sender_id": "official"}
    latest = asyncio.run(ours.retrieve("official"))
    assert latest.latest_message.text == "Och Oslo?" and latest.get_slot("last_topic") == "followup_counterpart"
    assert asyncio.run(ours.retrieve("nobody")) is None


def test_a_message_is_saved_without_counting_the_stored_events_first(url):
    store = URLSQLTrackerStore(DOMAIN, host=url)
    asyncio.run(conversation(store, "official"))
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2].lower()))

    async def one_message() -> DialogueStateTracker:
        tracker = await store.retrieve("official")
        for event in question("Får vi ta emot en delegation?", "delegationsbesok", 10.0):
            tracker.update(event)
        await store.save(tracker)
        return tracker

    asyncio.run(one_message())
    assert not [s for s in statements if "count(" in s], statements
    assert stored_rows(store, "official")[-5][2] == "delegationsbesok"
