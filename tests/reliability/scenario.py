"""Pieces of the reliability scenarios: real Rasa and action servers on fixed
ports (so one can be stopped and started again), and timed questions."""
from __future__ import annotations

import contextlib
import sqlite3
import sys
import time
from pathlib import Path
from typing import Iterator

import requests

from tests.support.servers import RASA_RUN, ROOT, started

QUESTIONS = [
    "Får vi teckna ett vänortsavtal med Berlin?",
    "Får vi söka EU-medel?",
    "Får vi gå med i C40?",
    "Hur fyller jag i min tidrapport?",
    "Hej!",
    "Vem kan jag kontakta om internationella frågor?",
    "Vad säger Vision 2040 om internationellt arbete?",
    "Får vi försöka påverka EU:s lagstiftning?",
    "Hur följer vi upp det internationella arbetet?",
    "Vilka inriktningar har stadens internationella arbete?",
]


class Run:
    """The questions of the scenario: one conversation per question, replies timed."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url
        self.senders: list[str] = []
        self.errors: list[str] = []
        self.seconds: list[float] = []

    def ask(self, sender: str, message: str) -> list[dict]:
        began = time.monotonic()
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=60)
        self.seconds.append(time.monotonic() - began)
        replies = response.json() if response.ok else []
        if not response.ok or not any(r.get("text") for r in replies):
            self.errors.append(f"{sender}: HTTP {response.status_code} {replies}")
        return replies

    def questions(self, phase: str, questions: list[str] = QUESTIONS) -> None:
        for i, question in enumerate(questions):
            sender = f"{phase}-{i}"
            self.senders.append(sender)
            self.ask(sender, question)


def pending_in(outbox: Path) -> int:
    with contextlib.closing(sqlite3.connect(outbox)) as conn:
        return conn.execute("SELECT count(*) FROM pending").fetchone()[0]


@contextlib.contextmanager
def action_server(env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    cmd = [sys.executable, "-m", "actions.serve", "--port", str(port)]
    with started(cmd, env, log, f"http://127.0.0.1:{port}/health"):
        yield


@contextlib.contextmanager
def rasa_server(env: dict[str, str], model: Path, port: int, log: Path) -> Iterator[str]:
    """Rasa with the project's credentials and endpoints; yields its URL."""
    cmd = [*RASA_RUN, "--model", str(model), "--port", str(port),
           "--credentials", str(ROOT / "credentials.yml"), "--endpoints", "endpoints.yml"]
    url = f"http://127.0.0.1:{port}"
    with started(cmd, env, log, f"{url}/webhooks/rest/"):
        yield url
