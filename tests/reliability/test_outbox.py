"""The durable outbox: records written while the database is down are kept
on local disk and written once it is back, each exactly once, in order."""
from __future__ import annotations

import asyncio
import sqlite3
import logging

import pytest
import sqlalchemy as sa

from actions.outbox import Outbox, OutboxDrainer, OutboxMismatch, Write, apply_write
from actions.records import EngagementRecord, RecordStore, create_engine, record_id_for
from actions.runtime import build_writer
from actions.settings import ConfigurationError, load_settings

HASH_KEY = "test-key-0123456789abcdef"
CONVERSATION = "c" * 64
QUESTION = "Får vi teckna ett vänortsavtal med Berlin?"


def make_record(message_id: str, **overrides) -> EngagementRecord:
    values = dict(
        id=record_id_for(CONVERSATION, message_id), conversation_id=CONVERSATION, channel="rest",
        question=QUESTION, topic="vanortsavtal", outcome="answered", kb_version="v1",
        principle_ids=["vanortsavtal.a"],
    )
    values.update(overrides)
    return EngagementRecord(**values)


def settings(tmp_path, **env):
    return load_settings({"LOTSEN_HASH_KEY": HASH_KEY, "LOTSEN_OUTBOX_PATH": str(tmp_path / "outbox.db"), **env})


def take_table_away(engine) -> None:
    """The database stops taking writes (SQLite and PostgreSQL alike)."""
    engine.dispose()
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE engagement_records RENAME TO engagement_records_away")


def bring_table_back(engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE engagement_records_away RENAME TO engagement_records")


def test_writes_while_the_database_is_down_are_kept_and_written_once_in_order(engine, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    writer, drainer = build_writer(settings(tmp_path), engine)
    store = RecordStore(engine)
    take_table_away(engine)
    first, second = make_record("m1"), make_record("m2", topic="natverk")

    async def conversation() -> None:
        await writer.insert(first)
        await writer.update(first.id, CONVERSATION, feedback="down", feedback_comment="Fel svar")
        await writer.insert(second)

    asyncio.run(conversation())
    assert writer.breaker.is_open
    assert writer.outbox.pending_count() == 3

    bring_table_back(engine)
    # Back, but the outbox is not written yet: a new update queues behind its insert.
    asyncio.run(writer.update(second.id, CONVERSATION, department="Miljöförvaltningen"))
    assert writer.outbox.pending_count() == 4
    assert store.all() == []

    result = drainer.drain_once()
    assert (result.written, result.rejected) == (4, 0)
    rows = {r["id"]: r for r in store.all()}
    assert set(rows) == {first.id, second.id}
    assert (rows[first.id]["feedback"], rows[first.id]["feedback_comment"]) == ("down", "Fel svar")
    assert rows[second.id]["department"] == "Miljöförvaltningen"
    assert writer.outbox.pending_count() == 0
    assert not writer.breaker.is_open

    assert drainer.drain_once().replayed == 0
    assert asyncio.run(writer.insert(first)) is False  # written directly again, and still only once
    assert len(store.all()) == 2
    assert QUESTION not in caplog.text and CONVERSATION not in caplog.text and "Fel svar" not in caplog.text


def test_an_assessment_saved_while_the_database_is_down_follows_its_record(engine, tmp_path):
    writer, drainer = build_writer(settings(tmp_path), engine)
    take_table_away(engine)
    record = make_record("m1", topic="delegationsbesok")
    asyncio.run(writer.insert(record))
    asyncio.run(writer.save_assessment(record.id, engagement_type="delegation", directions=["Samverkan"],
                                       verdict="conditional", completed=True))
    bring_table_back(engine)
    drainer.drain_once()
    saved = RecordStore(engine).get_assessment(record.id)
    assert (saved["verdict"], saved["directions"], saved["completed"]) == ("conditional", ["Samverkan"], True)


def test_a_crash_between_writing_and_removing_replays_without_doubling(engine, tmp_path):
    store = RecordStore(engine)
    outbox = Outbox(tmp_path / "outbox.db", "db")
    record = make_record("m1")
    writes = [Write.insert(record), Write.update(record.id, CONVERSATION, {"feedback": "up"}),
              Write.update(record.id, CONVERSATION, {"feedback": "down"})]
    for write in writes:
        outbox.append(write)
    for write in writes:  # the drainer wrote them all, then the process died
        apply_write(store, write)
    outbox.close()

    restarted = Outbox(tmp_path / "outbox.db", "db")
    OutboxDrainer(restarted, store, interval=1).drain_once()
    [row] = store.all()
    assert row["feedback"] == "down"
    assert restarted.pending_count() == 0


def test_an_action_server_started_while_postgresql_is_down_keeps_records_for_after_a_restart(pg, tmp_path):
    engine = create_engine(pg.url)
    pg.stop()
    writer, drainer = build_writer(settings(tmp_path), engine)  # starts: no migration, no crash
    assert writer.breaker.is_open
    records = [make_record(f"m{i}") for i in range(3)]
    for record in records:
        asyncio.run(writer.insert(record))
    assert drainer.drain_once().database_down
    writer.outbox.close()  # the action server stops with three records in the outbox
    engine.dispose()

    pg.start()
    engine = create_engine(pg.url)
    writer, drainer = build_writer(settings(tmp_path), engine)  # the restarted server drains at start-up
    drainer.drain_once()
    assert sorted(r["id"] for r in RecordStore(engine).all()) == sorted(r.id for r in records)
    assert writer.outbox.pending_count() == 0


def test_the_drainer_migrates_a_database_that_was_down_at_start_up(pg, tmp_path):
    engine = create_engine(pg.url)
    pg.stop()
    writer, drainer = build_writer(settings(tmp_path), engine)
    asyncio.run(writer.insert(make_record("m1")))
    pg.start()
    drainer.drain_once()
    assert len(RecordStore(engine).all()) == 1
    with engine.connect() as conn:
        assert "engagement_assessments" in sa.inspect(conn).get_table_names()


def test_an_outbox_is_never_written_into_another_database(tmp_path):
    Outbox(tmp_path / "outbox.db", "postgresql://lotsen@db-a/lotsen").close()
    with pytest.raises(OutboxMismatch):
        Outbox(tmp_path / "outbox.db", "postgresql://lotsen@db-b/lotsen")


def test_an_unusable_outbox_path_stops_start_up(tmp_path):
    with pytest.raises(ConfigurationError, match="LOTSEN_OUTBOX_PATH"):
        load_settings({"LOTSEN_HASH_KEY": HASH_KEY, "LOTSEN_OUTBOX_PATH": str(tmp_path)})
    with pytest.raises(ConfigurationError, match="LOTSEN_DB_WRITE_TIMEOUT"):
        load_settings({"LOTSEN_HASH_KEY": HASH_KEY, "LOTSEN_DB_WRITE_TIMEOUT": "0"})


def test_a_database_too_slow_to_answer_does_not_hold_the_answer_and_the_record_is_kept_once(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'records.db'}")
    writer, drainer = build_writer(settings(tmp_path, LOTSEN_DB_WRITE_TIMEOUT="0.5"), engine)
    blocker = sqlite3.connect(tmp_path / "records.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    record = make_record("m1")
    assert asyncio.run(writer.insert(record))  # returned while the database was still locked
    assert writer.breaker.is_open and writer.outbox.pending_count() == 1
    blocker.execute("ROLLBACK")
    blocker.close()
    drainer.drain_once()
    assert [r["id"] for r in RecordStore(engine).all()] == [record.id]
    assert writer.outbox.pending_count() == 0


def test_a_write_the_database_refuses_for_good_is_kept_aside_and_blocks_nothing(pg, tmp_path):
    engine = create_engine(pg.url)
    writer, drainer = build_writer(settings(tmp_path), engine)
    pg.stop()
    asyncio.run(writer.save_assessment(record_id_for(CONVERSATION, "never-recorded"), engagement_type="delegation",
                                       completed=False))
    record = make_record("m1")
    asyncio.run(writer.insert(record))
    pg.start()
    result = drainer.drain_once()
    assert (result.written, result.rejected) == (1, 1)
    assert [r["id"] for r in RecordStore(engine).all()] == [record.id]
    assert (writer.outbox.pending_count(), writer.outbox.rejected_count()) == (0, 1)
