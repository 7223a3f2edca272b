"""The durable local outbox: record writes the database could not take.

When the records database is down, every insert, update and assessment save
is appended to a local SQLite file (``LOTSEN_OUTBOX_PATH``, default
``var/outbox.db``; WAL with ``synchronous=FULL``, so an append that returned
is on disk). :class:`OutboxDrainer`, a background thread of the action
server, writes the entries to the database in the order they were queued once
it is back, at start-up and every few seconds. Replaying is idempotent (the
record id is the primary key, updates set values), so an entry written twice
after a crash between "written" and "removed" still leaves exactly one record.

Several action servers on one machine may share the file: SQLite serialises
the appends, and a lock file lets one drainer at a time replay it, in order.
Logs carry counts only, never question text or conversation ids.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, Optional

import sqlalchemy as sa
import sqlalchemy.exc

from actions.records import EngagementRecord, RecordStore, engagement_assessments, engagement_records, utcnow

logger = logging.getLogger(__name__)

Kind = Literal["insert", "update", "assessment"]
_TABLES = {"insert": engagement_records, "update": engagement_records, "assessment": engagement_assessments}
BATCH_SIZE = 200
FAILURE_LOG_INTERVAL = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    rejected_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Write:
    """One write of the records store, as the outbox keeps it."""

    kind: Kind
    record_id: str
    values: dict[str, Any] = field(default_factory=dict)
    conversation_id: Optional[str] = None  # updates: only a record of this conversation

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(_TABLES[self.kind].c.keys())
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")

    @classmethod
    def insert(cls, record: EngagementRecord) -> "Write":
        values = asdict(record)
        return cls("insert", values.pop("id"), values)

    @classmethod
    def update(cls, record_id: str, conversation_id: Optional[str], values: dict[str, Any]) -> "Write":
        return cls("update", record_id, dict(values), conversation_id)

    @classmethod
    def assessment(cls, record_id: str, values: dict[str, Any]) -> "Write":
        return cls("assessment", record_id, {"updated_at": utcnow(), **values})


def apply_write(store: RecordStore, write: Write) -> bool:
    """Perform ``write`` on the database; False when it changed nothing
    (the record was already stored, or the record to update is missing)."""
    if write.kind == "insert":
        return store.insert(EngagementRecord(id=write.record_id, **write.values))
    if write.kind == "update":
        return store.update(write.record_id, write.conversation_id, **write.values)
    store.save_assessment(write.record_id, **write.values)
    return True


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means "the database cannot take writes now" (retry later),
    as opposed to a write the database refuses for good."""
    if isinstance(exc, (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.DataError)):
        return False
    return isinstance(exc, (sqlalchemy.exc.DBAPIError, sqlalchemy.exc.DisconnectionError,
                            sqlalchemy.exc.TimeoutError, TimeoutError))


def _json_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot queue a {type(value).__name__} value in the outbox")


def _encode(write: Write) -> str:
    return json.dumps({"values": write.values, "conversation_id": write.conversation_id},
                      ensure_ascii=False, default=_json_value)


def _decode(kind: Kind, record_id: str, body: str) -> Write:
    data = json.loads(body)
    table = _TABLES[kind]
    values = {
        name: datetime.fromisoformat(value) if isinstance(table.c[name].type, sa.DateTime) and value else value
        for name, value in data["values"].items()
    }
    return Write(kind, record_id, values, data.get("conversation_id"))


@dataclass(frozen=True)
class Entry:
    seq: int
    write: Write


class OutboxMismatch(RuntimeError):
    """The outbox file holds writes for another records database."""


class Outbox:
    """An append-only queue of :class:`Write` in one SQLite file, for one records database."""

    def __init__(self, path: Path, database: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # Masked questions and hashed ids, as in the records database: owner only
        # (SQLite gives its -wal and -shm files the same mode).
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self._claim(database)

    def _claim(self, database: str) -> None:
        """Bind the file to ``database`` (its URL without password), so its
        entries are never written into a different database."""
        self._conn.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('database', ?)", (database,))
        owner = self._conn.execute("SELECT value FROM meta WHERE name = 'database'").fetchone()[0]
        if owner != database:
            raise OutboxMismatch(
                f"the outbox {self.path} holds writes for the records database {owner}, not {database}; "
                "point LOTSEN_OUTBOX_PATH elsewhere, or drain it with that database first"
            )

    def append(self, write: Write) -> None:
        """Queue ``write``; on disk when this returns."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO pending (kind, record_id, body, queued_at) VALUES (?, ?, ?, ?)",
                (write.kind, write.record_id, _encode(write), utcnow().isoformat()),
            )

    def pending_count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM pending").fetchone()[0]

    def has_pending(self) -> bool:
        with self._lock:
            return self._conn.execute("SELECT EXISTS (SELECT 1 FROM pending)").fetchone()[0] == 1

    def rejected_count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM rejected").fetchone()[0]

    def oldest(self, limit: int = BATCH_SIZE) -> list[Entry]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, kind, record_id, body FROM pending ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [Entry(seq, _decode(kind, record_id, body)) for seq, kind, record_id, body in rows]

    def remove(self, seqs: list[int]) -> None:
        if not seqs:
            return
        with self._lock:
            self._conn.executemany("DELETE FROM pending WHERE seq = ?", [(s,) for s in seqs])

    def reject(self, seq: int, reason: str) -> None:
        """Move an entry the database refuses for good aside (kept, never retried)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(
                "INSERT INTO rejected (seq, kind, record_id, body, queued_at, reason, rejected_at) "
                "SELECT seq, kind, record_id, body, queued_at, ?, ? FROM pending WHERE seq = ?",
                (reason, utcnow().isoformat(), seq),
            )
            self._conn.execute("DELETE FROM pending WHERE seq = ?", (seq,))
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def drain_lock(self) -> "_DrainLock":
        return _DrainLock(self.path.with_name(self.path.name + ".lock"))


class _DrainLock:
    """An exclusive, non-blocking lock file: one drainer per outbox at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: Optional[int] = None

    def __enter__(self) -> bool:
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            return False
        return True

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


@dataclass
class DrainResult:
    written: int = 0        # entries the database took (inserted, updated, saved)
    unchanged: int = 0      # already there, or an update whose record does not exist
    rejected: int = 0       # refused by the database for good, moved aside
    database_down: bool = False

    @property
    def replayed(self) -> int:
        return self.written + self.unchanged


class OutboxDrainer:
    """Writes the outbox to the database, in order, until it is empty.

    ``prepare`` runs before the first successful pass (the Alembic migration
    the action server could not run because the database was down at start-up).
    ``on_empty`` is called after a pass that left nothing pending.
    """

    def __init__(
        self, outbox: Outbox, store: RecordStore, interval: float,
        prepare: Optional[Callable[[], None]] = None, on_empty: Optional[Callable[[], None]] = None,
    ) -> None:
        self.outbox = outbox
        self.store = store
        self.interval = interval
        self._prepare = prepare
        self._on_empty = on_empty
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._last_failure_log = 0.0

    def drain_once(self) -> DrainResult:
        """One pass: replay everything pending, or stop at the first sign the database is down."""
        result = DrainResult()
        with self.outbox.drain_lock() as locked:
            if not locked:
                return result  # another process's drainer is at it
            try:
                if self._prepare is not None:
                    self._prepare()
                    self._prepare = None
                for batch in self._batches():
                    self._replay(batch, result)
            except Exception as exc:  # noqa: BLE001 - classified and logged below
                if not database_unavailable(exc):
                    raise
                result.database_down = True
        if result.replayed or result.rejected:
            logger.info("outbox: %d written, %d already there or without a record, %d rejected, %d pending",
                        result.written, result.unchanged, result.rejected, self.outbox.pending_count())
        if result.database_down:
            self._log_down()
        elif self._on_empty is not None and not self.outbox.has_pending():
            self._on_empty()
        return result

    def _batches(self) -> Iterator[list[Entry]]:
        while not self._stop.is_set():
            batch = self.outbox.oldest()
            if not batch:
                return
            yield batch

    def _replay(self, batch: list[Entry], result: DrainResult) -> None:
        done: list[int] = []
        try:
            for entry in batch:
                try:
                    changed = apply_write(self.store, entry.write)
                except Exception as exc:  # noqa: BLE001 - a refused entry must not block the rest
                    if database_unavailable(exc):
                        raise
                    self.outbox.remove(done)
                    done = []
                    self.outbox.reject(entry.seq, type(exc).__name__)
                    result.rejected += 1
                    logger.error("outbox: the database refused a queued %s (%s); kept aside in %s",
                                 entry.write.kind, type(exc).__name__, self.outbox.path)
                    continue
                done.append(entry.seq)
                if changed:
                    result.written += 1
                else:
                    result.unchanged += 1
        finally:
            self.outbox.remove(done)

    def _log_down(self) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL:
            self._last_failure_log = now
            logger.error("records database unavailable: %d writes wait in the outbox %s",
                         self.outbox.pending_count(), self.outbox.path)

    def start(self) -> None:
        """Drain now and then every ``interval`` seconds, on a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="outbox-drainer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.drain_once()
            except Exception:  # noqa: BLE001 - keep draining; the error is logged with its traceback
                logger.exception("outbox: drain pass failed")
            self._wake.wait(self.interval)
            self._wake.clear()
