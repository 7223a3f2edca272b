"""Alembic's autogenerate finds nothing to change on a migrated database: every
table (the records and the review app's audit log) is in migrations/env.py's
target metadata and matches the migrations."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from actions.records import create_engine, migrate
from review.schema import TARGET_METADATA

ROOT = Path(__file__).resolve().parent.parent.parent


def differences(engine: sa.engine.Engine, target=TARGET_METADATA) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), target)


def test_autogenerate_finds_no_difference_on_a_migrated_database(engine):
    """``engine``: migrated SQLite and PostgreSQL (tests/conftest.py)."""
    assert differences(engine) == []


def test_the_audit_log_is_in_the_target_metadata(tmp_path):
    tables = {name for metadata in TARGET_METADATA for name in metadata.tables}
    assert {"engagement_records", "engagement_assessments", "review_audit_log"} <= tables
    engine = create_engine(f"sqlite:///{tmp_path / 'records.db'}")
    migrate(engine)
    records_only = [m for m in TARGET_METADATA if "review_audit_log" not in m.tables]
    dropped = [d for d in differences(engine, records_only) if d[0] == "remove_table"]
    assert [d[1].name for d in dropped] == ["review_audit_log"]  # what autogenerate did before


def test_env_py_compares_with_the_shared_target():
    env = (ROOT / "migrations" / "env.py").read_text(encoding="utf-8")
    assert env.count("target_metadata=TARGET_METADATA") == 2
