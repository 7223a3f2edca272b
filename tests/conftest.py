"""Shared fixtures: databases (SQLite and a real PostgreSQL)."""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from actions.records import create_engine, migrate
from tests.support.postgres import running_postgres


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server started for this test session."""
    with running_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A migrated, empty records database: SQLite and PostgreSQL in turn."""
    if request.param == "sqlite":
        eng = create_engine(f"sqlite:///{tmp_path / 'records.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        eng = create_engine(url)
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate(eng)
    yield eng
    eng.dispose()
