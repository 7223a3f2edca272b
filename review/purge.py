"""Retention: mask old question texts and delete old audit entries.

``python -m review.purge`` (``make purge``, and the nightly job described in
docs/privacy.md) replaces the question text of every record older than
``retention.question_days`` (default 90) with "[rensad]" (and clears its
feedback comment and its assessment's purpose and operation, the other free
text), deletes Rasa's tracker-store events older than the same period (they
hold the raw sender ids and unmasked texts; ``LOTSEN_TRACKER_URL``), and
deletes audit entries older than ``retention.audit_days`` (default 365).
Every other column stays, so the aggregates the reports need survive.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from actions.records import create_engine, migrate, utcnow
from actions.records import engagement_assessments as ea
from actions.records import engagement_records as er
from review import audit
from review.config import ConfigError, config_path, load_config
from review.queries import MASKED_QUESTION
from review.reconcile import configured_tracker_url, tracker_engine


@dataclass(frozen=True)
class PurgeResult:
    masked: int
    audit_deleted: int
    question_cutoff: datetime
    audit_cutoff: datetime
    assessments_masked: int = 0


def _old_assessments(cutoff: datetime) -> list:
    """Assessments of records past the cutoff whose free text is not purged yet."""
    old_records = sa.select(er.c.id).where(er.c.created_at < cutoff)
    return [ea.c.record_id.in_(old_records), sa.or_(ea.c.purpose.is_not(None), ea.c.operation.is_not(None))]


def _count(conn: sa.engine.Connection, table: sa.Table, conditions: list) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table).where(*conditions)).scalar_one()


def _old_questions(cutoff: datetime) -> list:
    """Records past the cutoff whose free text (question, feedback comment) is not purged yet."""
    return [er.c.created_at < cutoff, sa.or_(er.c.question != MASKED_QUESTION, er.c.feedback_comment.is_not(None))]


def purge(
    engine: Engine, question_days: int, audit_days: int, now: Optional[datetime] = None, dry_run: bool = False
) -> PurgeResult:
    """Mask question texts older than ``question_days`` and delete audit entries older than ``audit_days``."""
    now = now or utcnow()
    question_cutoff = now - timedelta(days=question_days)
    audit_cutoff = now - timedelta(days=audit_days)
    with engine.begin() as conn:
        old_audit = [audit.audit_log.c.at < audit_cutoff]
        if dry_run:
            masked = _count(conn, er, _old_questions(question_cutoff))
            assessed = _count(conn, ea, _old_assessments(question_cutoff))
            deleted = _count(conn, audit.audit_log, old_audit)
        else:
            # Assessments first: their condition looks at the records' age, not their text.
            assessed = conn.execute(
                sa.update(ea).where(*_old_assessments(question_cutoff)).values(purpose=None, operation=None)
            ).rowcount
            masked = conn.execute(
                sa.update(er).where(*_old_questions(question_cutoff))
                .values(question=MASKED_QUESTION, feedback_comment=None)
            ).rowcount
            deleted = conn.execute(sa.delete(audit.audit_log).where(*old_audit)).rowcount
    result = PurgeResult(masked, deleted, question_cutoff, audit_cutoff, assessed)
    if not dry_run:
        audit.write(
            engine, "system", "system", audit.PURGE, None,
            f"{masked} frågetexter och {assessed} bedömningstexter maskerade (äldre än {question_cutoff:%Y-%m-%d}), "
            f"{deleted} loggposter raderade (äldre än {audit_cutoff:%Y-%m-%d})",
        )
    return result


def purge_tracker(tracker: Engine, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete (or with ``dry_run`` count) Rasa's tracker events older than ``cutoff``."""
    from rasa.core.tracker_store import SQLTrackerStore  # Rasa's own table definition

    events = SQLTrackerStore.SQLEvent.__table__
    if not sa.inspect(tracker).has_table(events.name):
        return 0
    old = [events.c.timestamp < cutoff.timestamp()]
    with tracker.begin() as conn:
        if dry_run:
            return _count(conn, events, old)
        return conn.execute(sa.delete(events).where(*old)).rowcount


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.purge", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="only count what would be purged")
    args = parser.parse_args(argv)
    try:
        config = load_config()
    except ConfigError as exc:
        raise SystemExit(f"{exc} ({config_path()})") from exc
    engine = create_engine(config.database_url)
    migrate(engine)
    result = purge(engine, config.question_retention_days, config.audit_retention_days, dry_run=args.dry_run)
    tracker = tracker_engine(configured_tracker_url(), must_exist=False)
    events = purge_tracker(tracker, result.question_cutoff, args.dry_run) if tracker else 0
    verb = "would mask" if args.dry_run else "masked"
    delete = "would delete" if args.dry_run else "deleted"
    print(
        f"{verb} {result.masked} question texts and {result.assessments_masked} assessment texts older than "
        f"{result.question_cutoff:%Y-%m-%d %H:%M} UTC; {delete} {events} tracker-store events older than that; "
        f"{delete} {result.audit_deleted} audit entries older than {result.audit_cutoff:%Y-%m-%d %H:%M} UTC"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
