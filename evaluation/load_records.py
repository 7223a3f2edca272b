"""After a load run: exactly one engagement record per question, and context kept.

What each conversation must have produced comes from its log (evaluation/load.py:
every question and every "och om det är X i stället?" adds one record, the
"Nej" to the assessment offer adds none; docs/records.md). The records are
found by their ``conversation_id``, the keyed hash of the sender.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import sqlalchemy as sa

from actions.privacy import conversation_hash, mask_personal_data
from actions.records import create_engine, engagement_records
from evaluation.load import ConversationLog

SETTLE_SECONDS = 30  # records are written off the answer path; wait this long at most


@dataclass
class RecordCheck:
    expected: int
    found: int
    missing: list[str] = field(default_factory=list)  # "<conversation>: <question>"
    duplicates: list[str] = field(default_factory=list)
    lost_context: list[str] = field(default_factory=list)  # follow-ups not answered for the previous topic
    followups_checked: int = 0
    followups_on_other_replica: int = 0  # answered by another Rasa replica than their question (behind nginx)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicates or self.lost_context) and self.found == self.expected


def _fetch(engine: sa.engine.Engine, ids: Sequence[str]) -> list[sa.engine.Row]:
    t = engagement_records.c
    query = (sa.select(t.conversation_id, t.question, t.topic, t.counterpart, t.outcome, t.created_at)
             .where(t.conversation_id.in_(list(ids))).order_by(t.conversation_id, t.created_at))
    with engine.connect() as conn:
        return list(conn.execute(query))


def fetch_settled(engine: sa.engine.Engine, ids: Sequence[str], expected: int) -> list[sa.engine.Row]:
    """The records of ``ids`` once ``expected`` are there or SETTLE_SECONDS passed (a second read catches
    late extras)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    rows = _fetch(engine, ids)
    while len(rows) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        rows = _fetch(engine, ids)
    time.sleep(1)
    return _fetch(engine, ids)


def check_conversation(log: ConversationLog, rows: list[sa.engine.Row], check: RecordCheck) -> None:
    """Compare one conversation's records with what its turns must have produced."""
    wanted = Counter(mask_personal_data(t.text) for t in log.turns if t.new_records)
    got = Counter(r.question for r in rows)
    check.missing += [f"{log.sender}: {q}" for q in (wanted - got).elements()]
    check.duplicates += [f"{log.sender}: {q}" for q in (got - wanted).elements()]
    if wanted != got:
        return  # the follow-ups cannot be lined up with their records
    previous = previous_turn = None
    for turn, row in zip((t for t in log.turns if t.new_records), rows):
        if turn.followup_city and previous is not None and previous.outcome == "answered":
            check.followups_checked += 1
            moved = turn.replica and previous_turn and turn.replica != previous_turn.replica
            check.followups_on_other_replica += bool(moved)
            if row.topic != previous.topic or row.counterpart != turn.followup_city:
                check.lost_context.append(
                    f"{log.sender}: '{turn.text}' after {previous.topic} gave {row.topic}/{row.counterpart}")
        previous, previous_turn = row, turn


def check_records(db_url: str, hash_key: str, logs: Sequence[ConversationLog]) -> RecordCheck:
    """Records of every conversation in ``logs`` against what it should have produced."""
    key = hash_key.encode("utf-8")
    by_id = {conversation_hash(log.sender, key): log for log in logs}
    expected = sum(log.expected_records for log in logs)
    engine = create_engine(db_url)
    try:
        rows = fetch_settled(engine, list(by_id), expected)
    finally:
        engine.dispose()
    grouped: dict[str, list[sa.engine.Row]] = {cid: [] for cid in by_id}
    for row in rows:
        grouped[row.conversation_id].append(row)
    check = RecordCheck(expected=expected, found=len(rows))
    for cid, log in by_id.items():
        check_conversation(log, grouped[cid], check)
    return check
