"""End to end: PostgreSQL, the records database, goes down in the middle of a
run of questions. Answers keep coming, the action server is restarted while
the database is still down, and once PostgreSQL is back every question has
exactly one record (docs/reliability.md, "Database down: the outbox")."""
from __future__ import annotations

import contextlib
import statistics
import time
from pathlib import Path

from actions.privacy import conversation_hash
from actions.records import RecordStore, create_engine
from actions.runtime import build_runtime
from actions.settings import load_settings
from review.reconcile import reconcile, tracker_engine
from tests.support.postgres import PostgresServer, free_port
from tests.reliability.scenario import QUESTIONS, Run, action_server, pending_in, rasa_server
from tests.support.servers import lotsen_env, trained_model

DRAIN_WAIT = 90  # seconds the outbox gets to reach the database once it is back


def drained(outbox: Path, store: RecordStore) -> list[dict]:
    """The records once the outbox is empty (or after ``DRAIN_WAIT`` seconds, for the assertions to tell)."""
    deadline = time.monotonic() + DRAIN_WAIT
    while pending_in(outbox) and time.monotonic() < deadline:
        time.sleep(1)
    return store.all()


def test_records_survive_postgresql_going_down_and_an_action_server_restart(tmp_path):
    model = trained_model()
    pg = PostgresServer()
    try:
        outbox = tmp_path / "outbox.db"
        port = free_port()
        env = lotsen_env(pg.url, port, {
            "LOTSEN_OUTBOX_PATH": str(outbox), "LOTSEN_OUTBOX_DRAIN_INTERVAL": "1",
            "LOTSEN_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        })
        with contextlib.ExitStack() as first_server:
            first_server.enter_context(action_server(env, port, tmp_path / "actions-1.log"))
            with rasa_server(env, model, free_port(), tmp_path / "rasa.log") as rasa_url:
                run = Run(rasa_url)
                run.questions("up")
                pg.stop()
                run.questions("down")
                run.ask("down-1", '/feedback{"feedback_value": "down"}')
                queued_before_restart = pending_in(outbox)
                first_server.close()  # the action server stops while PostgreSQL is down
                with action_server(env, port, tmp_path / "actions-2.log"):
                    run.questions("restarted")
                    run.ask("restarted-2", '/feedback{"feedback_value": "up"}')
                    queued = pending_in(outbox)
                    pg.start()
                    store = RecordStore(create_engine(pg.url))
                    rows = drained(outbox, store)
                    left = pending_in(outbox)

        key = env["LOTSEN_HASH_KEY"].encode()
        per_conversation = {conversation_hash(s, key): s for s in run.senders}
        found = [per_conversation.get(r["conversation_id"]) for r in rows]
        duplicates = len(found) - len(set(found))
        print(f"\ndatabase-down scenario: {len(run.senders)} questions + 2 feedback sent, {len(run.errors)} errors, "
              f"{len(rows)} records, {duplicates} duplicates, outbox {queued_before_restart} before the restart, "
              f"{queued} at recovery, {left} left; replies median {statistics.median(run.seconds) * 1000:.0f} ms, "
              f"max {max(run.seconds) * 1000:.0f} ms")

        assert run.errors == []
        assert queued_before_restart >= len(QUESTIONS) + 1  # the down phase's records and its feedback
        assert queued >= 2 * len(QUESTIONS) + 2
        assert sorted(found) == sorted(run.senders)  # exactly one record per question, none lost or doubled
        by_sender = {per_conversation[r["conversation_id"]]: r for r in rows}
        assert (by_sender["down-1"]["feedback"], by_sender["restarted-2"]["feedback"]) == ("down", "up")
        assert left == 0

        settings = load_settings({**env, "LOTSEN_OUTBOX_PATH": str(tmp_path / "reconcile-outbox.db")})
        summary = reconcile(build_runtime(settings, store.engine), store, tracker_engine(env["LOTSEN_TRACKER_URL"]))
        assert (summary.messages_seen, summary.questions, summary.records_present, summary.backfilled) == (
            len(run.senders) + 2, len(run.senders), len(run.senders), 0)
    finally:
        pg.remove()
