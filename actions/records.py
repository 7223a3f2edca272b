"""Engagement records: the table, and the one place that reads and writes it.

Every question an official asks becomes one row in ``engagement_records``
(see docs/records.md for the column contract). The store takes an SQLAlchemy
engine, so tests hand it SQLite or PostgreSQL and the code is the same.
The schema itself is owned by the Alembic migrations in ``migrations/``;
:func:`migrate` brings a database up to date.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
# "unrecorded": backfilled by `make reconcile` for a message that reached Rasa
# but whose record was never written (docs/reliability.md).
# "nearest_entry": no entry answered the specific ask; the nearest one was given, labelled as such.
OUTCOMES = ("answered", "nearest_entry", "clarification", "fallback", "out_of_scope", "unrecorded")
COUNTERPART_TYPES = ("city", "country", "organisation")

metadata = sa.MetaData()

engagement_records = sa.Table(
    "engagement_records",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("department", sa.String(200)),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("question_truncated", sa.Boolean, nullable=False, default=False),
    sa.Column("intent", sa.String(64)),
    sa.Column("intent_confidence", sa.Float),
    sa.Column("topic", sa.String(32), nullable=False, index=True),
    sa.Column("counterpart", sa.String(200)),
    sa.Column("counterpart_type", sa.String(16)),
    sa.Column("principle_ids", sa.JSON, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("feedback", sa.String(8)),
    sa.Column("feedback_comment", sa.Text),
    sa.Column("search_score", sa.Float),
    sa.Column("entry_confidence", sa.Float),
    sa.Column("from_context", sa.Boolean, nullable=False, default=False),
    sa.Column("kb_version", sa.String(16), nullable=False),
    sa.Column("model_id", sa.String(64)),
)

# The guided assessment of a case (decision guidance), one per engagement
# record at most: the record of the question that started it.
engagement_assessments = sa.Table(
    "engagement_assessments",
    metadata,
    sa.Column("record_id", sa.String(36), sa.ForeignKey("engagement_records.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("engagement_type", sa.String(32), nullable=False),
    sa.Column("counterpart", sa.String(200)),
    sa.Column("purpose", sa.Text),
    sa.Column("directions", sa.JSON, nullable=False),
    sa.Column("operation", sa.Text),
    sa.Column("department", sa.String(200)),
    sa.Column("planned_date", sa.String(10)),
    sa.Column("financing", sa.String(16)),
    sa.Column("verdict", sa.String(20)),
    sa.Column("completed", sa.Boolean, nullable=False),
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_record_id() -> str:
    return str(uuid.uuid4())


# Namespace of record ids derived from Rasa messages (fixed forever: changing
# it would give every message a second name).
RECORD_ID_NAMESPACE = uuid.UUID("6f1c2b8e-4a57-5d0e-9b1a-1e0f4c7a5d3b")


def record_id_for(conversation_id: str, message_id: Optional[str]) -> str:
    """The id of the record of one user message: uuid5 over the hashed
    conversation id and Rasa's ``message_id``, so a retried action, another
    action server replica, the outbox and ``make reconcile`` all name the same
    record. Without a message id (hand-made trackers) a random id."""
    if not message_id:
        return new_record_id()
    return str(uuid.uuid5(RECORD_ID_NAMESPACE, f"{conversation_id}/{message_id}"))


@dataclass
class EngagementRecord:
    """One row of ``engagement_records``; field names are the column names."""

    conversation_id: str
    channel: str
    question: str
    topic: str
    outcome: str
    kb_version: str
    intent: Optional[str] = None
    intent_confidence: Optional[float] = None
    department: Optional[str] = None
    counterpart: Optional[str] = None
    counterpart_type: Optional[str] = None
    principle_ids: list[str] = field(default_factory=list)
    feedback: Optional[str] = None
    feedback_comment: Optional[str] = None
    search_score: Optional[float] = None
    model_id: Optional[str] = None
    question_truncated: bool = False
    entry_confidence: Optional[float] = None
    from_context: bool = False
    id: str = field(default_factory=new_record_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.counterpart_type not in (None, *COUNTERPART_TYPES):
            raise ValueError(f"unknown counterpart_type {self.counterpart_type!r}")


# Seconds PostgreSQL may take to accept a connection before a write counts as
# failed (and goes to the outbox) instead of waiting for the TCP timeout.
PG_CONNECT_TIMEOUT = 3


def create_engine(url: str) -> Engine:
    """An engine in SQLAlchemy's 2.0 style; SQLite files get their folder created."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {}
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT
    return sa.create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)


def migrate(engine: Engine) -> None:
    """Upgrade the database behind ``engine`` to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class RecordStore:
    """Synchronous reads and writes of engagement records on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert(self, record: EngagementRecord) -> bool:
        """Insert ``record``; return False when a row with its id already exists.

        Inserting the same record twice is harmless, so a retried write can
        never double a question. The one exception: a row that ``make
        reconcile`` backfilled as ``unrecorded`` is replaced by the real record
        when that arrives late (from the outbox).
        """
        row = asdict(record)
        try:
            with self.engine.begin() as conn:
                conn.execute(engagement_records.insert().values(**row))
        except IntegrityError:
            existing = self.get(record.id)
            if existing is None:
                raise
            if existing["outcome"] == "unrecorded" and record.outcome != "unrecorded":
                row.pop("id")
                self.update(record.id, **row)
                logger.info("backfilled engagement record replaced by the real one")
                return True
            logger.info("engagement record %s already stored", record.id)
            return False
        return True

    def existing_ids(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` that have a record."""
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                found.update(conn.execute(
                    sa.select(engagement_records.c.id).where(engagement_records.c.id.in_(chunk))
                ).scalars())
        return found

    def update(self, record_id: str, conversation_id: Optional[str] = None, **values: Any) -> bool:
        """Update columns of one record; return whether it existed.

        With ``conversation_id`` only a record of that conversation is
        updated, so a client cannot touch another conversation's records.
        """
        unknown = set(values) - set(engagement_records.c.keys())
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
        statement = engagement_records.update().where(engagement_records.c.id == record_id)
        if conversation_id is not None:
            statement = statement.where(engagement_records.c.conversation_id == conversation_id)
        with self.engine.begin() as conn:
            result = conn.execute(statement.values(**values))
        return result.rowcount == 1

    def save_assessment(self, record_id: str, **values: Any) -> None:
        """Insert or replace the assessment of one record (idempotent)."""
        row = {"record_id": record_id, "updated_at": utcnow(), "directions": [], "completed": False, **values}
        unknown = set(row) - set(engagement_assessments.c.keys())
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
        with self.engine.begin() as conn:
            conn.execute(engagement_assessments.delete().where(engagement_assessments.c.record_id == record_id))
            conn.execute(engagement_assessments.insert().values(**row))

    def get_assessment(self, record_id: str) -> Optional[dict[str, Any]]:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(engagement_assessments).where(engagement_assessments.c.record_id == record_id)
            ).mappings().first()
        return dict(row) if row else None

    def get(self, record_id: str) -> Optional[dict[str, Any]]:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(engagement_records).where(engagement_records.c.id == record_id)
            ).mappings().first()
        return dict(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        """Every record, oldest first (tests and exports)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(engagement_records).order_by(engagement_records.c.created_at)
            ).mappings().all()
        return [dict(r) for r in rows]
