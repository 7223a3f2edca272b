"""Decision-guidance assessments (``engagement_assessments``), read when the table exists.

Each assessment belongs to the engagement record of the question that
started it (``record_id``), so it is joined to that record and the page's
filters apply to it as to everything else. A database without the table (or
with an older shape of it) simply has no assessments to show.
"""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from actions.records import engagement_records as er
from review.filters import Filters
from review.queries import where

TABLE = "engagement_assessments"
REQUIRED_COLUMNS = {"record_id", "engagement_type", "counterpart", "verdict"}


def assessments_table(conn: Connection) -> Optional[sa.Table]:
    if not sa.inspect(conn).has_table(TABLE):
        return None
    table = sa.Table(TABLE, sa.MetaData(), autoload_with=conn)
    return table if REQUIRED_COLUMNS <= set(table.c.keys()) else None


def assessment_counts(conn: Connection, f: Filters, *columns: str) -> Optional[list[tuple]]:
    """Counts of assessments per value of ``columns`` (biggest first), or None without the table."""
    table = assessments_table(conn)
    if table is None:
        return None
    grouped = [table.c[name] for name in columns]
    n = sa.func.count().label("n")
    stmt = (
        sa.select(*grouped, n)
        .select_from(table.join(er, er.c.id == table.c.record_id))
        .where(*where(f))
        .group_by(*grouped)
        .order_by(n.desc(), *grouped)
    )
    return [tuple(row) for row in conn.execute(stmt)]
