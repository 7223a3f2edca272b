"""Serve a review app for real (HTTP on 127.0.0.1) in a background thread."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import threading
from dataclasses import dataclass
from datetime import date
from typing import Iterator, Optional

import requests
from sanic import Sanic
from sqlalchemy.engine import Engine

from review.app import create_app
from review.clusters import Lemmatizer
from review.config import ReviewConfig
from tests.support.postgres import free_port

# Several apps start in one process: Sanic's test mode keeps its source "touch-ups" re-runnable.
Sanic.test_mode = True
_names = itertools.count()
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class LiveApp:
    url: str
    engine: Engine
    config: ReviewConfig

    def session(self) -> requests.Session:
        return requests.Session()

    def login(self, username: str, password: str, session: Optional[requests.Session] = None) -> requests.Session:
        """A requests session signed in through the login form (with its CSRF token)."""
        session = session or self.session()
        form = session.get(f"{self.url}/logga-in", timeout=10)
        token = CSRF_FIELD.search(form.text).group(1)
        response = session.post(
            f"{self.url}/logga-in", data={"username": username, "password": password, "csrf_token": token},
            allow_redirects=False, timeout=10,
        )
        assert response.status_code == 302, response.text
        return session


@contextlib.contextmanager
def running_app(
    engine: Engine, config: ReviewConfig, lemmatizer: Optional[Lemmatizer] = None, today: Optional[date] = None,
) -> Iterator[LiveApp]:
    kwargs = {"today": lambda: today} if today else {}
    app = create_app(engine, config, name=f"review_test_{next(_names)}", lemmatizer=lemmatizer, **kwargs)
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
            )
            loop.run_until_complete(server.startup())
            loop.run_until_complete(server.start_serving())
        except BaseException as exc:  # reported to the test thread
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        server.close()
        for connection in list(server.connections):
            connection.close_if_idle()
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(server.wait_closed())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True, name="review-live")
    thread.start()
    started.wait(30)
    if failure:
        raise failure[0]
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", engine, config)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        app.ctx.review.executor.shutdown(wait=False)
