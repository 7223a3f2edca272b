"""The records store on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio

import pytest

from actions.durable_writer import DurableRecordWriter
from actions.outbox import Outbox
from actions.records import EngagementRecord, RecordStore


def make_record(**overrides) -> EngagementRecord:
    values = dict(
        conversation_id="c" * 64, channel="rest", question="Får vi teckna ett vänortsavtal med Berlin?",
        topic="vanortsavtal", outcome="answered", kb_version="v1", intent="vanortsavtal",
        intent_confidence=0.97, counterpart="Berlin", counterpart_type="city",
        principle_ids=["vanortsavtal.a"],
    )
    values.update(overrides)
    return EngagementRecord(**values)


def test_insert_and_read_back_keeps_swedish_text_and_principles(engine):
    store = RecordStore(engine)
    record = make_record()
    assert store.insert(record)
    row = store.get(record.id)
    assert row["question"] == "Får vi teckna ett vänortsavtal med Berlin?"
    assert row["principle_ids"] == ["vanortsavtal.a"]
    assert row["counterpart"] == "Berlin"


def test_inserting_the_same_record_twice_keeps_one_row(engine):
    store = RecordStore(engine)
    record = make_record()
    assert store.insert(record)
    assert not store.insert(record)
    assert len(store.all()) == 1


def test_update_changes_only_the_named_record(engine):
    store = RecordStore(engine)
    first, second = make_record(), make_record()
    store.insert(first)
    store.insert(second)
    assert store.update(first.id, feedback="down")
    assert store.get(first.id)["feedback"] == "down"
    assert store.get(second.id)["feedback"] is None
    assert not store.update("missing", feedback="up")


def test_async_writer_runs_off_the_event_loop(engine, tmp_path):
    writer = DurableRecordWriter(RecordStore(engine), Outbox(tmp_path / "outbox.db", str(engine.url)), timeout=5)
    record = make_record()
    assert asyncio.run(writer.insert(record))
    assert asyncio.run(writer.update(record.id, outcome="clarification"))
    assert writer.store.get(record.id)["outcome"] == "clarification"


def test_a_backfilled_record_is_replaced_by_the_real_one_and_then_kept(engine):
    store = RecordStore(engine)
    real = make_record()
    assert store.insert(make_record(id=real.id, outcome="unrecorded", topic="out_of_scope", principle_ids=[]))
    assert store.insert(real)
    assert store.get(real.id)["outcome"] == "answered"
    assert not store.insert(make_record(id=real.id, outcome="unrecorded"))
    assert [r["outcome"] for r in store.all()] == ["answered"]


def test_unknown_outcome_is_refused():
    with pytest.raises(ValueError):
        make_record(outcome="maybe")
