"""make test-scale: the production topology on 127.0.0.1 under the load test.

Two Rasa servers and two action servers behind nginx, PostgreSQL for the
records and the tracker store, Redis for the lock store (tests/support/topology.py).
The load of make load goes through nginx; afterwards: no error response, one
record per question, follow-ups answered in context whichever replica served
them, REST spread over both Rasa replicas, each socket.io session on one
replica and sessions on both, both action servers used, no 5xx from nginx.
Writes results/scale/report.md; exits non-zero when anything fails.

    .venv/bin/python scripts/test_scale.py [--users 10] [--messages 20]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.reliability_load import ChannelReport, markdown, run_channels  # noqa: E402
from tests.support.topology import Routing, read_routing, running_topology  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "results" / "scale"


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
    total = time.monotonic() - began
    text = (markdown(reports, "nginx → 2 Rasa + 2 action servers, PostgreSQL, Redis") + routing_markdown(routing)
            + f"Topology up in {ready:.0f} s; whole run {total:.0f} s.\n")
    problems += [f"{r.channel}: load check failed" for r in reports if not r.ok]
    text += "".join(f"\n**FAILED:** {p}" for p in problems) or "\nAll checks passed.\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(text, encoding="utf-8")
    print(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
