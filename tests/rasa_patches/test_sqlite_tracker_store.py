"""The SQLite tracker store commits in WAL mode without waiting for the disk
(rasa_patches/sqlite_tracker_store.py) and still keeps every conversation:
through the project's own store class, and readable by another process."""
from __future__ import annotations

import asyncio
import sqlite3

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_patches import sqlite_tracker_store
from stores.tracker_store import URLSQLTrackerStore
from tests.support.servers import ROOT

sqlite_tracker_store.apply()


def test_conversations_are_kept_and_readable_while_rasa_holds_the_store(tmp_path):
    path = tmp_path / "tracker.db"
    domain = Domain.load(ROOT / "domain.yml")
    store = URLSQLTrackerStore(domain, host=f"sqlite:///{path}")
    tracker = DialogueStateTracker.from_events("official-1", [
        ActionExecuted("action_listen"), UserUttered("Får vi teckna ett vänortsavtal med Berlin?", {"name": "vanortsavtal"}),
        SlotSet("last_topic", "vanortsavtal"), ActionExecuted("action_answer"), ActionExecuted("action_listen"),
    ], domain.slots)
    asyncio.run(store.save(tracker))

    again = asyncio.run(store.retrieve("official-1"))
    assert again.get_slot("last_topic") == "vanortsavtal"
    assert again.latest_message.text == "Får vi teckna ett vänortsavtal med Berlin?"

    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    # another process (make reconcile, a second replica) reads what was committed, with Rasa's connection open
    other = sqlite3.connect(path)
    try:
        texts = [row[0] for row in other.execute("select intent_name from events where sender_id = 'official-1'")]
    finally:
        other.close()
    assert "vanortsavtal" in texts
