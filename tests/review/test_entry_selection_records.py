"""What the review app shows of the entry selection (SQLite and PostgreSQL):
nearest-entry answers and unsure entry choices count as unanswered, and a
record's page names the entry that answered it and its conversation in order."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from actions.records import EngagementRecord, RecordStore
from review import queries
from review.app import _record_rows
from review.filters import Filters
from review.labels import entry_titles

START = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
ALL = Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 3))
LOW = 0.5


def record(minute: int, question: str, **values) -> EngagementRecord:
    fields = dict(conversation_id="conv-a", channel="rest", question=question, topic="natverk", outcome="answered",
                  kb_version="v1", intent="natverk", intent_confidence=0.99, principle_ids=["natverk.medlemskap"],
                  entry_confidence=0.9, created_at=START + timedelta(minutes=minute))
    fields.update(values)
    return EngagementRecord(**fields)


def seed(engine: Engine) -> dict[str, str]:
    store = RecordStore(engine)
    rows = {
        "first": record(0, "Är staden med i Eurocities?"),
        "since": record(1, "Sedan när?", outcome="nearest_entry", from_context=True, entry_confidence=0.7),
        "unsure": record(2, "Vad gäller för nätverk i allmänhet?", entry_confidence=0.2,
                         principle_ids=["natverk.strategins-inriktningar"]),
        "other": record(3, "Får vi gå med i ICLEI?", conversation_id="conv-b",
                        principle_ids=["natverk.internationella-beredningen"]),
    }
    for row in rows.values():
        store.insert(row)
    return {name: row.id for name, row in rows.items()}


def test_nearest_entry_answers_and_unsure_entry_choices_are_unanswered(engine: Engine) -> None:
    ids = seed(engine)
    with engine.connect() as conn:
        listed = {r["id"]: r["reason"] for r in queries.unanswered_records(conn, ALL, LOW)}
    assert listed == {ids["since"]: "nearest_entry", ids["unsure"]: "low_confidence"}


def test_a_record_page_names_its_entry_and_shows_its_conversation_in_order(engine: Engine) -> None:
    ids = seed(engine)
    with engine.connect() as conn:
        row = queries.record(conn, ids["since"])
        conversation = queries.conversation(conn, row["conversation_id"])
    shown = dict(_record_rows(row))
    assert shown["Besvarad med post"] == f"{entry_titles()['natverk.medlemskap']} (natverk.medlemskap)"
    assert shown["Följdfråga (tolkad ur samtalet)"] == "Ja"
    assert shown["Säkerhet i valet av post"] == "0,70"
    assert [r["question"] for r in conversation] == ["Är staden med i Eurocities?", "Sedan när?",
                                                    "Vad gäller för nätverk i allmänhet?"]
    assert [r["from_context"] for r in conversation] == [False, True, False]
