"""What Rasa's tracker store costs per message, in process (no HTTP, no NLU).

Per message Rasa reads the conversation from the tracker store and saves the
new events back (rasa/core/processor.py). This times that read + save for a
conversation of ``--turns`` messages, each turn adding the events a Lotsen
answer adds (user message, action, slots, bot messages), for the in-memory
store, the SQL store on a SQLite file and, with ``--postgres``, on a
PostgreSQL server started for the run. The lock store is timed too (in
memory; Redis with ``--redis URL``). Noisy on a shared machine: compare the
stores within one run.

    .venv/bin/python -m evaluation.tracker_store_cost [--conversations 20] [--turns 10] [--postgres]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig

from stores.lock_store import URLLockStore
from stores.tracker_store import URLSQLTrackerStore
from tests.support.servers import ROOT


def turn_events(n: int) -> list[Event]:
    """The events of one answered question (as action_answer produces them)."""
    return [
        UserUttered(f"Får vi teckna ett samarbetsavtal med Helsingfors? ({n})",
                    intent={"name": "samarbetsavtal", "confidence": 0.93},
                    entities=[{"entity": "counterpart", "value": "Helsingfors", "start": 40, "end": 51}]),
        ActionExecuted("action_answer"),
        BotUttered("Ja, om avtalet har en konkret inriktning … Källa: …"),
        BotUttered("Vill du att vi går igenom ert fall?"),
        SlotSet("last_record_id", f"{n:032x}"), SlotSet("last_topic", "samarbetsavtal"),
        SlotSet("last_counterpart", "Helsingfors"), SlotSet("assessment_offered", True),
        ActionExecuted("action_listen"),
    ]


async def time_store(store: TrackerStore, conversations: int, turns: int) -> list[float]:
    """Milliseconds of read + save per message."""
    timings = []
    for c in range(conversations):
        sender = f"cost-{c}"
        for n in range(turns):
            started = time.perf_counter()
            tracker = await store.get_or_create_tracker(sender)
            for event in turn_events(n):
                tracker.update(event)
            await store.save(tracker)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def time_lock(lock_store: LockStore, messages: int) -> list[float]:
    timings = []
    for n in range(messages):
        started = time.perf_counter()
        async with lock_store.lock(f"cost-lock-{n % 20}"):
            pass
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"| {name} | {len(timings)} | {statistics.median(timings):.2f} | {p95:.2f} |"


@contextlib.contextmanager
def postgres_url(enabled: bool) -> Iterator[Optional[str]]:
    if not enabled:
        yield None
        return
    from tests.support.postgres import running_postgres
    with running_postgres("tracker_cost") as url:
        yield url


async def measure(args: argparse.Namespace, workdir: Path, pg_url: Optional[str]) -> list[str]:
    domain = Domain.load(str(ROOT / "domain.yml"))
    stores: list[tuple[str, TrackerStore]] = [
        ("in memory", InMemoryTrackerStore(domain)),
        ("SQL, SQLite file", URLSQLTrackerStore(domain, host=f"sqlite:///{workdir / 'tracker.db'}")),
    ]
    if pg_url:
        stores.append(("SQL, PostgreSQL (127.0.0.1)", URLSQLTrackerStore(domain, host=pg_url)))
    rows = ["| tracker store: read + save per message | messages | p50 ms | p95 ms |", "|---|---|---|---|"]
    for name, store in stores:
        await time_store(store, 1, 3)  # warm-up (connections, table creation)
        rows.append(summary(name, await time_store(store, args.conversations, args.turns)))
    rows += ["", "| lock store: acquire + release | messages | p50 ms | p95 ms |", "|---|---|---|---|"]
    locks: list[tuple[str, LockStore]] = [("in memory", InMemoryLockStore())]
    if args.redis:
        locks.append(("Redis", URLLockStore(EndpointConfig(url=args.redis))))
    for name, lock_store in locks:
        rows.append(summary(name, await time_lock(lock_store, args.conversations * args.turns)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--postgres", action="store_true", help="also on a PostgreSQL server started for the run")
    parser.add_argument("--redis", help="also the Redis lock store at this redis:// URL (127.0.0.1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracker-cost-") as workdir, postgres_url(args.postgres) as pg_url:
        print("\n".join(asyncio.run(measure(args, Path(workdir), pg_url))))


if __name__ == "__main__":
    main()
