"""Record writes that never cost the user the answer, and are never lost.

:class:`DurableRecordWriter` is what the actions call (``runtime.writer``).
It writes to the database on worker threads (rasa-sdk runs actions on its
event loop), waits at most ``timeout`` seconds, and when the database fails
or is too slow it puts the write in the durable outbox (``actions/outbox.py``)
instead. A circuit breaker then sends every later write straight to the
outbox, without trying the database, until the drainer has written the outbox
back: so during an outage a message costs one fsynced local append, not a
connection timeout, and writes to one record stay in order (the update after
its insert).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

from actions.outbox import Outbox, Write, apply_write, database_unavailable
from actions.records import EngagementRecord, RecordStore

logger = logging.getLogger(__name__)

T = TypeVar("T")


class CircuitBreaker:
    """Open while the records database is known to be down."""

    def __init__(self) -> None:
        self._open = threading.Event()

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    def open(self, reason: str) -> None:
        if not self._open.is_set():
            self._open.set()
            logger.error("records database unavailable (%s): new records go to the outbox", reason)

    def close(self) -> None:
        if self._open.is_set():
            self._open.clear()
            logger.info("records database back: records are written directly again")


class DurableRecordWriter:
    """Inserts, updates and assessment saves of engagement records, with the outbox behind them."""

    def __init__(self, store: RecordStore, outbox: Outbox, timeout: float, workers: int = 4) -> None:
        self.store = store
        self.outbox = outbox
        self.timeout = timeout
        self.breaker = CircuitBreaker()
        self._database = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="records")
        # Separate from the database threads, so appends never wait behind a hanging connection.
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")

    async def insert(self, record: EngagementRecord) -> bool:
        """Store ``record``; False only when the database already had it."""
        return await self.submit(Write.insert(record))

    async def update(self, record_id: str, conversation_id: Optional[str] = None, **values: Any) -> bool:
        """Update one record; False only when the database has no such record (of that conversation)."""
        return await self.submit(Write.update(record_id, conversation_id, values))

    async def save_assessment(self, record_id: str, **values: Any) -> None:
        await self.submit(Write.assessment(record_id, values))

    async def submit(self, write: Write) -> bool:
        """Write to the database now, or queue in the outbox (then True: it will be written)."""
        if self.breaker.is_open or await self._on_disk(self.outbox.has_pending):
            await self._on_disk(self.outbox.append, write)
            return True
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._database, apply_write, self.store, write), self.timeout
            )
        except (asyncio.TimeoutError, TimeoutError):
            self.breaker.open(f"no answer within {self.timeout} s")
        except Exception as exc:  # noqa: BLE001 - classified: only an unavailable database is queued
            if not database_unavailable(exc):
                raise
            self.breaker.open(type(exc).__name__)
        await self._on_disk(self.outbox.append, write)
        return True

    async def _on_disk(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._disk, fn, *args)
