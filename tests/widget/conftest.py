"""Fixtures of the widget tests: the real assistant (Rasa with its socket.io
channel and the action server) and the widget's demo server pointed at it."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

import pytest

from actions.records import RecordStore, create_engine
from tests.support.servers import ROOT, Lotsen, running_lotsen
from widget.serve import DemoServer, Settings

DEPARTMENT = "Kulturförvaltningen"  # data-department of widget/demo/index.html and chat.html

# Rasa's built-in `socketio:` channel delivers nothing with python-socketio 5.x
# (see channels/widget_socketio.py); the fixed one has the same settings.
BUILTIN_SOCKETIO = re.compile(r"^socketio:", re.MULTILINE)
FIXED_SOCKETIO = "channels.widget_socketio.WidgetSocketIOInput:"


def project_uses_builtin_socketio(text: str | None = None) -> bool:
    text = (ROOT / "credentials.yml").read_text(encoding="utf-8") if text is None else text
    return bool(BUILTIN_SOCKETIO.search(text))


@pytest.fixture(scope="session")
def widget_lotsen(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lotsen]:
    """The assistant the widget talks to.

    When credentials.yml configures a working socket.io channel, this is the
    suite's shared ``lotsen`` (the project's own channels). Until then the
    widget tests run their own Rasa with a copy of credentials.yml in which
    only the socket.io channel is replaced by the fixed one, and
    ``test_project_credentials_configure_a_working_socketio_channel`` fails.
    """
    project = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    if not project_uses_builtin_socketio(project):
        yield request.getfixturevalue("lotsen")
        return
    workdir: Path = tmp_path_factory.mktemp("widget-lotsen")
    credentials = workdir / "credentials.yml"
    credentials.write_text(BUILTIN_SOCKETIO.sub(FIXED_SOCKETIO, project), encoding="utf-8")
    with running_lotsen(workdir, f"sqlite:///{workdir / 'engagements.db'}", credentials=credentials) as running:
        yield running


@pytest.fixture(scope="session")
def demo(widget_lotsen: Lotsen) -> Iterator[DemoServer]:
    """widget/serve.py on a free port, its pages pointed at the running Rasa."""
    with DemoServer(Settings(host="127.0.0.1", port=0, rasa_url=widget_lotsen.rasa_url)) as server:
        yield server


@pytest.fixture
def new_records(widget_lotsen: Lotsen) -> Callable[[], list[dict]]:
    """Returns the engagement records written since the test started."""
    store = RecordStore(create_engine(widget_lotsen.db_url))
    before = {r["id"] for r in store.all()}
    return lambda: [r for r in store.all() if r["id"] not in before]
