"""Retention: mask old question texts and delete old audit entries.

``python -m review.purge`` (``make purge``, and the nightly job described in
docs/privacy.md) replaces the question text of every record older than
``retention.question_days`` (default 90) with "[rensad]" (and clears its
feedback comment, the other free text) and deletes audit
entries older than ``retention.audit_days`` (default 365). Every other
column stays, so the aggregates the reports need survive.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from actions.records import create_engine, migrate, utcnow
from actions.records import engagement_records as er
from review import audit
from review.config import ConfigError, config_path, load_config
from review.queries import MASKED_QUESTION


@dataclass(frozen=True)
class PurgeResult:
    masked: int
    audit_deleted: int
    question_cutoff: datetime
    audit_cutoff: datetime


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
        if dry_run:
            masked = conn.execute(
                sa.select(sa.func.count()).select_from(er).where(*_old_questions(question_cutoff))
            ).scalar_one()
            deleted = conn.execute(
                sa.select(sa.func.count()).select_from(audit.audit_log).where(audit.audit_log.c.at < audit_cutoff)
            ).scalar_one()
        else:
            masked = conn.execute(
                sa.update(er).where(*_old_questions(question_cutoff))
                .values(question=MASKED_QUESTION, feedback_comment=None)
            ).rowcount
            deleted = conn.execute(sa.delete(audit.audit_log).where(audit.audit_log.c.at < audit_cutoff)).rowcount
    result = PurgeResult(masked, deleted, question_cutoff, audit_cutoff)
    if not dry_run:
        audit.write(
            engine, "system", "system", audit.PURGE, None,
            f"{masked} frågetexter maskerade (äldre än {question_cutoff:%Y-%m-%d}), "
            f"{deleted} loggposter raderade (äldre än {audit_cutoff:%Y-%m-%d})",
        )
    return result


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
    verb = "would mask" if args.dry_run else "masked"
    print(
        f"{verb} {result.masked} question texts older than {result.question_cutoff:%Y-%m-%d %H:%M} UTC; "
        f"{'would delete' if args.dry_run else 'deleted'} {result.audit_deleted} audit entries older than "
        f"{result.audit_cutoff:%Y-%m-%d %H:%M} UTC"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
