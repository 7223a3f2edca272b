"""Commit the SQLite tracker store without blocking Rasa on the disk for every message.

Rasa's ``SQLTrackerStore`` is synchronous: it commits each message's events
on Rasa's event loop, so while SQLite waits for the disk no other
conversation moves. In SQLite's default rollback-journal mode a commit waits
for several ``fsync`` calls: about 12 ms per commit on this machine, in
py-spy 16 % of the Rasa server's busy time under 20 users
(docs/performance.md). In WAL mode with ``synchronous=NORMAL`` a commit
writes to the write-ahead log without waiting for the disk (about 0.02 ms).

SQLAlchemy 1.4 also opens and closes a new SQLite connection for every
session (``NullPool``), and closing the last connection of a WAL database
checkpoints it to disk; so the engine keeps its connections in a pool,
which is SQLAlchemy 2.0's default for SQLite files.

What that costs: nothing when Rasa crashes or is killed (the log is on
disk); after a power loss or kernel crash of the machine the last commits
may be missing. That is the right trade for the SQLite tracker store, which
is the development and single-machine default; production's PostgreSQL is
untouched (only SQLite connections are changed). WAL also lets readers such
as ``make reconcile`` read while Rasa writes.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")

_original_init = rasa_original(SQLTrackerStore, "__init__")


def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Run on every new SQLite connection of the tracker store."""
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def pooled_sqlite_engine(url: sa.engine.URL) -> sa.engine.Engine:
    """An engine that keeps its SQLite connections open, each with ``PRAGMAS`` set."""
    # Rasa uses the store from its event loop; a pooled connection is used by one session at a time.
    engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", set_pragmas)
    return engine


def __init__(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    if self.engine.dialect.name == "sqlite":
        self.engine.dispose()
        self.engine = pooled_sqlite_engine(self.engine.url)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)


PATCHES = (Patch(__name__, SQLTrackerStore, "__init__", __init__),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
