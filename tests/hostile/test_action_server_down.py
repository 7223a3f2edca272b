"""Rasa with its action server down: the official gets a short Swedish
apology over REST instead of silence, and normal answers come back by
themselves once the action server is (re)started on its address."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import pytest

from tests.hostile.conftest import NORMAL_QUESTION, records_of
from tests.hostile.corpus import too_long_reply, unavailable_reply
from tests.support.postgres import free_port
from tests.support.servers import BIN, RASA_RUN, ROOT, Lotsen, lotsen_env, started, trained_model


@contextlib.contextmanager
def rasa_without_actions(workdir: Path) -> Iterator[tuple[Lotsen, int]]:
    """Rasa pointed at a free port where no action server runs (yet); yields it and that port."""
    action_port = free_port()
    db_url = f"sqlite:///{workdir / 'engagements.db'}"
    env = lotsen_env(db_url, action_port, {"LOTSEN_TRACKER_URL": f"sqlite:///{workdir / 'tracker.db'}"})
    port = free_port()
    cmd = [*RASA_RUN, "--model", str(trained_model()), "--port", str(port),
           "--credentials", str(ROOT / "credentials.yml"), "--endpoints", "endpoints.yml"]
    url = f"http://127.0.0.1:{port}"
    with started(cmd, env, workdir / "rasa.log", f"{url}/webhooks/rest/"):
        yield Lotsen(url, f"http://127.0.0.1:{action_port}", db_url, env), action_port


@contextlib.contextmanager
def action_server_on(port: int, lotsen: Lotsen, log: Path) -> Iterator[None]:
    """The action server on ``port`` (the address Rasa already calls) until the block ends."""
    cmd = [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)]
    with started(cmd, lotsen.env, log, f"http://127.0.0.1:{port}/health"):
        yield


@pytest.fixture(scope="module")
def rasa_alone(tmp_path_factory) -> Iterator[tuple[Lotsen, int, Path]]:
    workdir = tmp_path_factory.mktemp("actions-down")
    with rasa_without_actions(workdir) as (lotsen, action_port):
        yield lotsen, action_port, workdir


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if r.get("text")]


def test_apology_while_down_and_answers_again_once_the_action_server_is_back(rasa_alone):
    lotsen, action_port, workdir = rasa_alone
    assert texts(lotsen.ask("down-1", NORMAL_QUESTION)) == [unavailable_reply()]
    assert texts(lotsen.ask("down-1", "Hej!")) == [unavailable_reply()], "the same conversation, still down"
    log = (workdir / "rasa.log").read_text(encoding="utf-8")
    assert "The action server could not run 'action_answer'" in log and "Traceback" in log, "the failure is logged"

    with action_server_on(action_port, lotsen, workdir / "actions.log"):
        said = texts(lotsen.ask("down-1", NORMAL_QUESTION))
        assert said[0].startswith("Nej") and "Källa:" in said[0]
        assert unavailable_reply() not in said
        assert [r["topic"] for r in records_of(lotsen, "down-1")] == ["vanortsavtal"]

    assert texts(lotsen.ask("down-2", NORMAL_QUESTION)) == [unavailable_reply()], "down again: apology again"


def test_a_long_message_while_down_hears_both_and_only_once(rasa_alone):
    lotsen, _, _ = rasa_alone
    said = texts(lotsen.ask("down-3", "Får vi ta emot en delegation från Kina? " * 100))
    assert said == [too_long_reply(), unavailable_reply()]
