"""The audit log: who opened or exported which record, and who signed in, when.

The table is created by migrations/versions/0100_review_audit_log.py; this
module only declares it for queries. Entries are kept for
``retention.audit_days`` (see :mod:`review.purge`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from actions.records import utcnow
from review.queries import as_utc

metadata = sa.MetaData()

audit_log = sa.Table(
    "review_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("username", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("record_id", sa.String(36), index=True),
    sa.Column("detail", sa.Text),
)

# Actions written to the log (the "action" column).
OPEN_RECORD = "open_record"
EXPORT_RECORD = "export_record"
LIST_UNANSWERED = "list_unanswered"
EXPORT_UNANSWERED = "export_unanswered"
LOGIN = "login"
LOGIN_FAILED = "login_failed"
PURGE = "purge"
# The knowledge editor (review/editor.py).
SAVE_DRAFT = "save_draft"
REQUEST_APPROVAL = "request_approval"
PUBLISH = "publish"
APPROVE = "approve"
ROLLBACK = "rollback"
RETIRE_ENTRY = "retire_entry"
DISCARD_DRAFT = "discard_draft"


def write(
    engine: Engine, username: str, role: str, action: str,
    record_id: Optional[str] = None, detail: Optional[str] = None, at: Optional[datetime] = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            audit_log.insert().values(
                at=at or utcnow(), username=username[:200], role=role, action=action,
                record_id=record_id, detail=detail,
            )
        )


def entries(conn: Connection, since: datetime, limit: int = 1000) -> list[dict[str, Any]]:
    """Entries from ``since`` on, newest first."""
    stmt = (
        sa.select(audit_log).where(audit_log.c.at >= since)
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    )
    return [dict(row, at=as_utc(row["at"])) for row in conn.execute(stmt).mappings()]
