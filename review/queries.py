"""Read-only queries on ``engagement_records`` (SQLAlchemy 2.0-style ``select()``).

Each function takes a connection and :class:`~review.filters.Filters` and
returns plain Python values, so the same code serves the web pages, the
report and the tests on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from actions.records import engagement_records as er
from review.filters import Filters

MASKED_QUESTION = "[rensad]"
REASONS = ("fallback", "nearest_entry", "low_confidence", "feedback_down")

# Columns a page may group by; keys are the names used in URLs.
GROUPABLE = {
    "topic": er.c.topic,
    "department": er.c.department,
    "channel": er.c.channel,
    "outcome": er.c.outcome,
    "counterpart": er.c.counterpart,
    "counterpart_type": er.c.counterpart_type,
    "feedback": er.c.feedback,
    "intent": er.c.intent,
}


class week_start(FunctionElement):  # noqa: N801 - SQL function naming
    """The Monday (UTC) of a timestamp's ISO week, as a date or ISO string."""

    inherit_cache = True


@compiles(week_start, "postgresql")
def _week_start_pg(element: week_start, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    return f"CAST(date_trunc('week', {compiler.process(arg, **kw)} AT TIME ZONE 'UTC') AS DATE)"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    return f"date({compiler.process(arg, **kw)}, '-6 days', 'weekday 1')"


def as_date(value: Any) -> date:
    """Dates come back as ``date`` (PostgreSQL) or ISO strings (SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything is stored in UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def where(f: Filters) -> list[ColumnElement]:
    clauses: list[ColumnElement] = [er.c.created_at >= f.start, er.c.created_at < f.end]
    for name in ("topic", "department", "channel", "outcome", "counterpart_type"):
        value = getattr(f, name)
        if value:
            clauses.append(er.c[name] == value)
    return clauses


def _low_confidence(low_confidence: float) -> ColumnElement:
    """NLU or the entry selection was unsure."""
    return sa.or_(er.c.intent_confidence < low_confidence, er.c.entry_confidence < low_confidence)


def unanswered(low_confidence: float) -> ColumnElement:
    """Fallbacks, nearest-entry answers, low-confidence answers and thumbs-down records."""
    return sa.or_(
        er.c.outcome.in_(("fallback", "nearest_entry")),
        _low_confidence(low_confidence),
        er.c.feedback == "down",
    )


def reason(low_confidence: float) -> ColumnElement:
    """Why a record counts as unanswered (the first that applies)."""
    return sa.case(
        (er.c.outcome == "fallback", "fallback"),
        (er.c.outcome == "nearest_entry", "nearest_entry"),
        (_low_confidence(low_confidence), "low_confidence"),
        else_="feedback_down",
    )


def total(conn: Connection, f: Filters, *extra: ColumnElement) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(er).where(*where(f), *extra)).scalar_one()


def counts_by(
    conn: Connection, f: Filters, column: ColumnElement, *extra: ColumnElement
) -> list[tuple[Optional[str], int]]:
    """(value, count) for each value of ``column``, biggest first."""
    n = sa.func.count().label("n")
    stmt = (
        sa.select(column.label("value"), n)
        .where(*where(f), *extra)
        .group_by(column)
        .order_by(n.desc(), column)
    )
    return [(row.value, row.n) for row in conn.execute(stmt)]


def counts_by_week(conn: Connection, f: Filters, *extra: ColumnElement) -> list[tuple[date, int]]:
    """(Monday, count) for every week that has records, oldest first."""
    week = week_start(er.c.created_at)
    stmt = (
        sa.select(week.label("week"), sa.func.count().label("n"))
        .where(*where(f), *extra).group_by(week).order_by(week)
    )
    return [(as_date(row.week), row.n) for row in conn.execute(stmt)]


def counts_by_pair(
    conn: Connection, f: Filters, first: ColumnElement, second: ColumnElement, *extra: ColumnElement
) -> list[tuple[Optional[str], Optional[str], int]]:
    n = sa.func.count().label("n")
    stmt = (
        sa.select(first.label("a"), second.label("b"), n)
        .where(*where(f), *extra)
        .group_by(first, second)
        .order_by(first, n.desc(), second)
    )
    return [(row.a, row.b, row.n) for row in conn.execute(stmt)]


@dataclass(frozen=True)
class QuestionRow:
    id: str
    created_at: datetime
    question: str
    topic: str
    counterpart: Optional[str]


def question_rows(conn: Connection, f: Filters, *extra: ColumnElement) -> list[QuestionRow]:
    """The questions behind the common-questions groups, oldest first."""
    stmt = (
        sa.select(er.c.id, er.c.created_at, er.c.question, er.c.topic, er.c.counterpart)
        .where(*where(f), *extra)
        .order_by(er.c.created_at, er.c.id)
    )
    return [
        QuestionRow(r.id, as_utc(r.created_at), r.question, r.topic, r.counterpart) for r in conn.execute(stmt)
    ]


LIST_COLUMNS: Sequence[sa.Column] = (
    er.c.id, er.c.created_at, er.c.question, er.c.topic, er.c.intent, er.c.intent_confidence,
    er.c.outcome, er.c.feedback, er.c.feedback_comment, er.c.department, er.c.channel, er.c.counterpart,
)


def unanswered_records(conn: Connection, f: Filters, low_confidence: float, limit: int = 500) -> list[dict[str, Any]]:
    """Unanswered records, newest first, each with its ``reason``."""
    stmt = (
        sa.select(*LIST_COLUMNS, reason(low_confidence).label("reason"))
        .where(*where(f), unanswered(low_confidence))
        .order_by(er.c.created_at.desc(), er.c.id)
        .limit(limit)
    )
    return [dict(row, created_at=as_utc(row["created_at"])) for row in conn.execute(stmt).mappings()]


def record(conn: Connection, record_id: str) -> Optional[dict[str, Any]]:
    row = conn.execute(sa.select(er).where(er.c.id == record_id)).mappings().first()
    return dict(row, created_at=as_utc(row["created_at"])) if row else None


def conversation(conn: Connection, conversation_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The records of one (pseudonymous) conversation, in the order they were asked."""
    stmt = (
        sa.select(er.c.id, er.c.created_at, er.c.question, er.c.topic, er.c.outcome, er.c.principle_ids,
                  er.c.from_context)
        .where(er.c.conversation_id == conversation_id)
        .order_by(er.c.created_at, er.c.id)
        .limit(limit)
    )
    return [dict(row, created_at=as_utc(row["created_at"])) for row in conn.execute(stmt).mappings()]


def distinct_values(conn: Connection, column: sa.Column) -> list[str]:
    stmt = sa.select(column).where(column.is_not(None)).distinct().order_by(column)
    return [value for (value,) in conn.execute(stmt)]
