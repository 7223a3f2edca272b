"""Fixtures of the hostile-input tests: the corpus sent once over REST to the
suite's shared assistant, and the record table's shape."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import pytest
import requests
import sqlalchemy as sa

from actions.privacy import conversation_hash
from actions.records import RecordStore, create_engine
from tests.hostile.corpus import Message, messages, too_long_reply, unavailable_reply
from tests.support.servers import Lotsen
from tests.widget.conftest import demo, widget_lotsen  # noqa: F401  (fixtures of tests/hostile/test_widget.py)

NORMAL_QUESTION = "Får vi teckna ett vänortsavtal med Berlin?"
RECORDS_TABLE = "engagement_records"


@dataclass(frozen=True)
class Sent:
    message: Message
    sender: str
    status: int
    replies: list[dict[str, Any]]
    records: list[dict[str, Any]]


def table_shape(db_url: str) -> tuple[int, list[tuple[str, str]]]:
    """(row count, [(column, type)]) of the records table."""
    engine = create_engine(db_url)
    try:
        columns = [(c["name"], str(c["type"])) for c in sa.inspect(engine).get_columns(RECORDS_TABLE)]
        with engine.connect() as conn:
            count = conn.execute(sa.text(f"SELECT COUNT(*) FROM {RECORDS_TABLE}")).scalar_one()
        return count, columns
    finally:
        engine.dispose()


def records_of(lotsen: Lotsen, sender: str) -> list[dict[str, Any]]:
    conversation = conversation_hash(sender, lotsen.env["LOTSEN_HASH_KEY"].encode())
    engine = create_engine(lotsen.db_url)
    try:
        return [r for r in RecordStore(engine).all() if r["conversation_id"] == conversation]
    finally:
        engine.dispose()


def check_answer_and_records(message: Message, said: list[str], records: list[dict[str, Any]], channel: str) -> None:
    """One corpus message's reply and records, as every channel must give them: an answer that is not
    the apology for a failed action, the too-long notice exactly when the message was over the limit,
    and as many records as the message should make, of this channel, marked truncated when it was cut."""
    assert said, f"{message.name}: no answer"
    assert unavailable_reply() not in said, message.name
    assert (said[0] == too_long_reply()) is message.over_limit, message.name
    assert len(records) == message.records, message.name
    assert all(r["channel"] == channel and r["question_truncated"] is message.over_limit for r in records)


def answers_normally(lotsen: Lotsen, sender: str) -> bool:
    """The server still answers a normal question with its source."""
    replies = lotsen.ask(sender, NORMAL_QUESTION)
    return any("Källa:" in (r.get("text") or "") for r in replies)


@dataclass(frozen=True)
class CorpusRun:
    sent: list[Sent]
    table_before: tuple[int, list[tuple[str, str]]]
    table_after: tuple[int, list[tuple[str, str]]]

    def named(self, name: str) -> Sent:
        return next(s for s in self.sent if s.message.name == name)


@pytest.fixture(scope="session")
def rest_corpus(lotsen: Lotsen) -> Iterator[CorpusRun]:
    """Every corpus message sent over REST, each in its own conversation, with its
    replies and records, and the record table's shape before and after."""
    before = table_shape(lotsen.db_url)
    sent = []
    for i, message in enumerate(messages()):
        sender = f"hostile-rest-{i}"
        response = requests.post(
            f"{lotsen.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message.text}, timeout=60
        )
        replies = response.json() if response.status_code == 200 else []
        sent.append(Sent(message, sender, response.status_code, replies, records_of(lotsen, sender)))
    yield CorpusRun(sent, before, table_shape(lotsen.db_url))
