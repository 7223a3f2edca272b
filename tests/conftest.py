"""Shared fixtures: databases (SQLite and a real PostgreSQL)."""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from actions.records import RecordStore, create_engine, migrate
from tests.support.postgres import running_postgres
from tests.channels.fake_botframework import FakeBotFramework
from tests.support.servers import ROOT, Lotsen, running_lotsen


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


@pytest.fixture(scope="session")
def fake_teams() -> Iterator[FakeBotFramework]:
    """Fake Microsoft Bot Framework services on 127.0.0.1 (OpenID, keys, tokens, connector)."""
    with FakeBotFramework() as fake:
        yield fake


@pytest.fixture(scope="session")
def lotsen(tmp_path_factory, fake_teams) -> Iterator[Lotsen]:
    """The trained assistant with its action server, on SQLite, shared by the end-to-end tests:
    the project's channels (REST, socket.io) plus Teams pointed at ``fake_teams``."""
    workdir = tmp_path_factory.mktemp("lotsen")
    credentials = workdir / "credentials.yml"
    project = (ROOT / "credentials.yml").read_text(encoding="utf-8").split("channels.teams.TeamsInput:")[0]
    credentials.write_text(project + fake_teams.credentials_yaml(), encoding="utf-8")
    with running_lotsen(workdir, f"sqlite:///{workdir / 'engagements.db'}", credentials=credentials) as running:
        yield running


@pytest.fixture
def records(lotsen):
    """Returns the records written since the test started."""
    store = RecordStore(create_engine(lotsen.db_url))
    before = {r["id"] for r in store.all()}
    return lambda: [r for r in store.all() if r["id"] not in before]


@pytest.fixture
def assessments(lotsen):
    store = RecordStore(create_engine(lotsen.db_url))
    return store.get_assessment
