"""Fixtures of the reliability tests: a PostgreSQL server they may stop."""
from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

from tests.support.postgres import PostgresServer, stoppable_postgres


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    with stoppable_postgres() as server:
        yield server


@pytest.fixture
def pg(pg_server: PostgresServer) -> Iterator[PostgresServer]:
    """The module's PostgreSQL server, running and with an empty public schema."""
    if not _accepts(pg_server.url):
        pg_server.start()
    engine = sa.create_engine(pg_server.url, future=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    yield pg_server


def _accepts(url: str) -> bool:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()
