"""Decision-guidance assessments, read only when their table exists.

The assistant does not write assessments yet. When it does, a table
``engagement_assessments`` with at least the columns ``counterpart`` and
``assessment`` (and optionally ``created_at``) is counted per counterpart on
the engagements page; until then the page shows counterparts only.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from review.filters import Filters

TABLE = "engagement_assessments"


def assessment_counts(conn: Connection, f: Filters) -> Optional[dict[str, list[tuple[str, int]]]]:
    """{counterpart: [(assessment, count), ...]}, or None when there are no assessments to read."""
    if not sa.inspect(conn).has_table(TABLE):
        return None
    table = sa.Table(TABLE, sa.MetaData(), autoload_with=conn)
    if not {"counterpart", "assessment"} <= set(table.c.keys()):
        return None
    n = sa.func.count().label("n")
    stmt = sa.select(table.c.counterpart, table.c.assessment, n).group_by(table.c.counterpart, table.c.assessment)
    if "created_at" in table.c:
        stmt = stmt.where(table.c.created_at >= f.start, table.c.created_at < f.end)
    result: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in conn.execute(stmt.order_by(table.c.counterpart, n.desc(), table.c.assessment)):
        result[row.counterpart].append((row.assessment, row.n))
    return dict(result)
