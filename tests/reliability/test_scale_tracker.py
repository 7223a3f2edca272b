"""The SQL tracker store: a conversation survives a restart of Rasa and its
action server (with the in-memory store the follow-up would have lost its topic)."""
from __future__ import annotations

import sqlite3

from actions.records import RecordStore, create_engine
from evaluation.load import DEPARTMENT
from tests.support.servers import running_lotsen

SENDER = "restart-official"


def test_a_conversation_goes_on_after_rasa_restarts(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'engagements.db'}"
    with running_lotsen(tmp_path, db_url) as lotsen:
        lotsen.ask(SENDER, "Får vi skriva ett samarbetsavtal med Helsingfors om smarta elnät?", DEPARTMENT)
    with running_lotsen(tmp_path, db_url) as lotsen:
        reply = lotsen.ask(SENDER, "och om det är Oslo i stället?", DEPARTMENT)

    question, followup = RecordStore(create_engine(db_url)).all()
    assert question["topic"] == "samarbetsavtal" and question["counterpart"] == "Helsingfors"
    assert (followup["topic"], followup["counterpart"]) == ("samarbetsavtal", "Oslo")
    assert "Oslo" in reply[0]["text"]
    with sqlite3.connect(tmp_path / "tracker.db") as tracker:
        senders = {row[0] for row in tracker.execute("select distinct sender_id from events")}
    assert senders == {SENDER}
