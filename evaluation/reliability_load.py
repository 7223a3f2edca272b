"""make load: concurrent officials over REST and socket.io, then one record per question.

Starts PostgreSQL (records and tracker store) and Lotsen itself, or targets a
running deployment (``--url``, with ``--db-url`` and ``--hash-key``; make
test-scale points it at nginx). Plays ``--users`` concurrent conversations
of ``--messages`` messages each per channel (evaluation/load.py), checks the
records (evaluation/load_records.py) and writes results/load/report.md.
Exits non-zero on any error response, missing or doubled record, or lost
context. Bounded in count and time, 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import secrets
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

from evaluation.load import ConversationRun, rest_channel, run_conversations
from evaluation.load_records import RecordCheck, check_records
from evaluation.load_socketio import socketio_channel
from tests.support.postgres import running_postgres
from tests.support.servers import ROOT, running_lotsen
from tests.support.topology import create_database

# name -> (open a conversation, whether its replies are known complete so offers can be declined)
CHANNELS = {"rest": (rest_channel, True), "socketio": (socketio_channel, False)}
OUT = ROOT / "results" / "load"


@dataclass
class ChannelReport:
    channel: str
    users: int
    messages: int
    errors: int
    p50_ms: float
    p95_ms: float
    per_second: float
    seconds: float
    records_expected: int
    records_found: int
    missing: list[str]
    duplicates: list[str]
    lost_context: list[str]
    followups_checked: int
    followups_on_other_replica: int

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not (self.missing or self.duplicates or self.lost_context) \
            and self.records_found == self.records_expected


def report_for(channel: str, users: int, run: ConversationRun, check: RecordCheck) -> ChannelReport:
    load = run.as_load_result(users)
    return ChannelReport(channel, users, load.messages + load.errors, load.errors, round(load.p50, 1),
                         round(load.p95, 1), round(load.throughput, 1), round(load.seconds, 1),
                         check.expected, check.found, check.missing, check.duplicates, check.lost_context,
                         check.followups_checked, check.followups_on_other_replica)


def run_channel(url: str, channel: str, users: int, per_user: int, db_url: str, hash_key: str) -> ChannelReport:
    """One channel's load, then its records."""
    tag = f"load-{secrets.token_hex(3)}"
    opener, decline_offers = CHANNELS[channel]
    run = run_conversations(functools.partial(opener, url), channel, users, per_user, tag, decline_offers)
    for failure in run.failures[:3]:
        print(f"{channel}: could not connect: {failure!r}", file=sys.stderr)
    return report_for(channel, users, run, check_records(db_url, hash_key, run.conversations))


def run_channels(url: str, channels: Sequence[str], users: int, per_user: int, db_url: str,
                 hash_key: str) -> list[ChannelReport]:
    return [run_channel(url, channel, users, per_user, db_url, hash_key) for channel in channels]


@contextlib.contextmanager
def own_lotsen() -> Iterator[tuple[str, str, str]]:
    """Lotsen on PostgreSQL (records, tracker store), as in production; yields (url, db_url, hash_key)."""
    with running_postgres() as db_url, tempfile.TemporaryDirectory(prefix="lotsen-load-") as workdir:
        tracker_url = create_database(db_url, "lotsen_tracker")
        with running_lotsen(Path(workdir), db_url, {"LOTSEN_TRACKER_URL": tracker_url}) as lotsen:
            yield lotsen.rasa_url, db_url, lotsen.env["LOTSEN_HASH_KEY"]


def markdown(reports: Sequence[ChannelReport], where: str) -> str:
    lines = [f"# make load ({where})", "",
             "| channel | users | messages | errors | p50 ms | p95 ms | msg/s | records expected | found | missing "
             "| doubled | follow-ups checked (on another replica) | lost context |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.channel} | {r.users} | {r.messages} | {r.errors} | {r.p50_ms} | {r.p95_ms} | {r.per_second} | "
              f"{r.records_expected} | {r.records_found} | {len(r.missing)} | {len(r.duplicates)} | "
              f"{r.followups_checked} ({r.followups_on_other_replica}) | {len(r.lost_context)} |" for r in reports]
    for r in reports:
        for label, items in (("missing", r.missing), ("doubled", r.duplicates), ("lost context", r.lost_context)):
            lines += [f"- {r.channel} {label}: {item}" for item in items[:20]]
    return "\n".join(lines) + "\n"


def write_report(reports: Sequence[ChannelReport], out: Path, where: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(markdown(reports, where), encoding="utf-8")
    (out / "report.json").write_text(json.dumps([asdict(r) for r in reports], indent=2, ensure_ascii=False),
                                     encoding="utf-8")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=40, help="messages per user and channel")
    parser.add_argument("--channels", default=",".join(CHANNELS))
    parser.add_argument("--url", help="a running Lotsen (127.0.0.1); else one is started on PostgreSQL")
    parser.add_argument("--db-url", help="its records database (with --url)")
    parser.add_argument("--hash-key", help="its LOTSEN_HASH_KEY (with --url)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    channels = [c for c in args.channels.split(",") if c]
    if not set(channels) <= set(CHANNELS) or not 0 < args.users <= 100 or not 0 < args.messages <= 100:
        parser.error(f"channels from {list(CHANNELS)}, 1-100 users, 1-100 messages per user")
    if args.url and not (args.db_url and args.hash_key):
        parser.error("--url needs --db-url and --hash-key")
    target = contextlib.nullcontext((args.url, args.db_url, args.hash_key)) if args.url else own_lotsen()
    with target as (url, db_url, hash_key):
        reports = run_channels(url, channels, args.users, args.messages, db_url, hash_key)
    write_report(reports, args.out, args.url or "Lotsen on PostgreSQL, started by make load")
    print(markdown(reports, args.url or "own servers"))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
