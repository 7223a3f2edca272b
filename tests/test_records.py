"""The records store on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio

import pytest

from actions.records import AsyncRecordWriter, EngagementRecord, RecordStore


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


def test_async_writer_runs_off_the_event_loop(engine):
    writer = AsyncRecordWriter(RecordStore(engine))
    record = make_record()
    assert asyncio.run(writer.insert(record))
    assert asyncio.run(writer.update(record.id, outcome="clarification"))
    assert writer.store.get(record.id)["outcome"] == "clarification"


def test_unknown_outcome_is_refused():
    with pytest.raises(ValueError):
        make_record(outcome="maybe")
