"""make test-scale: the production topology on 127.0.0.1 under the load test.

Two Rasa servers and two action servers behind nginx, PostgreSQL for the
records and the tracker store, Redis for the lock store (tests/support/topology.py).
The load of make load goes through nginx; afterwards: no error response, one
record per question, follow-ups answered in context whichever replica served
them, REST spread over both Rasa replicas, each socket.io session on one
replica and sessions on both, both action servers used, no 5xx from nginx.
Then a knowledge version is published in the database and rolled back: within
the documented delay every answer, whichever action server gives it, carries
the new text and names the new version (docs/knowledge.md).
Writes results/scale/report.md; exits non-zero when anything fails.

    .venv/bin/python scripts/test_scale.py [--users 10] [--messages 20]
"""
from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.reliability_load import ChannelReport, markdown, run_channels  # noqa: E402
from tests.support.topology import Routing, read_routing, running_topology  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "results" / "scale"
TWINNING = "vanortsavtal.inga-vanortsavtal"
QUESTION = "Får vi teckna ett vänortsavtal?"
# LOTSEN_KNOWLEDGE_POLL_INTERVAL (3 s) plus building the version, with room for a loaded machine.
LIVE_WITHIN = 15.0
# Answers in a row that must all carry the new version (round robin: both action servers, several times).
IN_A_ROW = 6


def _answer(url: str) -> str:
    replies = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": f"scale-{uuid.uuid4()}",
                                                                  "message": QUESTION}, timeout=30).json()
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def _until_live(url: str, expected: str) -> float:
    """Seconds from publishing to the first of ``IN_A_ROW`` answers in a row that carry ``expected``
    (raises TimeoutError after LIVE_WITHIN)."""
    began, streak, since = time.monotonic(), 0, 0.0
    while streak < IN_A_ROW:
        if time.monotonic() - began > LIVE_WITHIN:
            raise TimeoutError(f"{expected[:40]!r} not answered {IN_A_ROW} times in a row within {LIVE_WITHIN} s")
        asked = time.monotonic()
        streak = streak + 1 if expected in _answer(url) else 0
        since = since if streak > 1 else asked - began
        if not streak:
            time.sleep(0.3)
    return since


def live_publication(url: str, db_url: str) -> tuple[list[str], str]:
    """Publish a changed twinning answer, then roll back; problems and a report section."""
    from actions.knowledge_export import store_for
    from actions.records import RecordStore, create_engine

    store = store_for(db_url)
    before = store.live()
    assert before is not None
    new_text = f"Staden tecknar inga vänortsavtal (publicerat {uuid.uuid4().hex[:6]})."
    entries = [dict(e, answer=new_text) if e["id"] == TWINNING else e for e in before.entries]
    problems, lines = [], ["", "## A knowledge version published while both action servers run", ""]
    try:
        published = store.publish(entries, "test-scale", note="test-scale")
        delay = _until_live(url, new_text)
        lines.append(f"- version {published.id} answered by every action server after {delay:.1f} s")
        rolled = store.rollback(before.id, "test-scale")
        old = before.entry(TWINNING)
        assert old is not None
        delay = _until_live(url, old["answer"])
        lines.append(f"- rollback (version {rolled.id}) answered after {delay:.1f} s")
        time.sleep(1)
        kb = {r["kb_version"] for r in RecordStore(create_engine(db_url)).all() if r["question"] == QUESTION}
        if not {str(published.id), str(rolled.id)} <= kb:
            problems.append(f"records do not name the published versions: {sorted(kb)}")
    except TimeoutError as exc:
        problems.append(str(exc))
    return problems, "\n".join(lines) + "\n"


def routing_problems(routing: Routing, rasa: list[str], actions: list[str], rest: ChannelReport) -> list[str]:
    """What went wrong with the balancing (empty: nothing), from nginx's logs and the REST turns."""
    problems = []
    if not rest.followups_on_other_replica:
        problems.append("no follow-up reached another Rasa replica than its question: context across replicas untested")
    if set(routing.rest_by_replica) != set(rasa):
        problems.append(f"REST not spread over every Rasa replica: {routing.rest_by_replica}")
    if set(routing.socketio_sessions_by_replica) != set(rasa):
        problems.append(f"socket.io sessions not on every Rasa replica: {routing.socketio_sessions_by_replica}")
    if routing.sessions_on_two_replicas:
        problems.append(f"{len(routing.sessions_on_two_replicas)} socket.io sessions were not sticky")
    if set(routing.actions_by_replica) != set(actions):
        problems.append(f"not every action server was used: {routing.actions_by_replica}")
    if routing.server_errors:
        problems.append(f"{routing.server_errors} 5xx answers from nginx")
    return problems


def routing_markdown(routing: Routing) -> str:
    return "\n".join([
        "", "## Routing (nginx access logs)", "",
        f"- REST requests per Rasa replica: {routing.rest_by_replica}",
        f"- socket.io sessions per Rasa replica: {routing.socketio_sessions_by_replica}",
        f"- socket.io sessions on more than one replica: {len(routing.sessions_on_two_replicas)}",
        f"- action calls per action server: {routing.actions_by_replica}",
        f"- 5xx answers: {routing.server_errors}", "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--messages", type=int, default=20, help="messages per user and channel")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not (0 < args.users <= 100 and 0 < args.messages <= 100):
        parser.error("1-100 users, 1-100 messages per user")
    began = time.monotonic()
    with running_topology() as topology:
        ready = time.monotonic() - began
        reports: list[ChannelReport] = run_channels(
            topology.url, ["rest", "socketio"], args.users, args.messages, topology.db_url, topology.hash_key)
        routing = read_routing(topology.nginx_logs)
        problems = routing_problems(routing, topology.rasa_addresses, topology.action_addresses, reports[0])
        live_problems, live_text = live_publication(topology.url, topology.db_url)
        problems += live_problems
    total = time.monotonic() - began
    text = (markdown(reports, "nginx → 2 Rasa + 2 action servers, PostgreSQL, Redis") + routing_markdown(routing)
            + live_text + f"Topology up in {ready:.0f} s; whole run {total:.0f} s.\n")
    problems += [f"{r.channel}: load check failed" for r in reports if not r.ok]
    text += "".join(f"\n**FAILED:** {p}" for p in problems) or "\nAll checks passed.\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(text, encoding="utf-8")
    print(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
