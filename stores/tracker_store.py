"""Rasa's SQL tracker store configured by one SQLAlchemy URL (``LOTSEN_TRACKER_URL``).

Rasa 3.6's ``SQLTrackerStore`` takes dialect/host/port/db pieces and, when it
cannot connect, retries every 5 s for ever. This subclass takes the whole URL
from endpoints.yml (``url: ${LOTSEN_TRACKER_URL}``), checks it at start-up,
creates the directory of a SQLite file, and gives up with a clear message
when the database stays unreachable, instead of hanging.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from actions.settings import seconds_setting

logger = logging.getLogger(__name__)

URL_VARIABLE = "LOTSEN_TRACKER_URL"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
# How long Rasa's start-up waits for the tracker database (checked like every setting).
CONNECT_SECONDS = seconds_setting(os.environ, "LOTSEN_TRACKER_CONNECT_SECONDS", 60.0, maximum=3600.0)


class TrackerStoreConfigError(ValueError):
    """The tracker store URL is missing, malformed or unreachable."""


def parse_tracker_url(raw: Optional[str]) -> URL:
    """The URL as SQLAlchemy reads it; raises with a message naming the variable."""
    text = (raw or "").strip()
    if not text:
        raise TrackerStoreConfigError(f"{URL_VARIABLE} is empty: set it to a SQLAlchemy URL, "
                                      "e.g. sqlite:///var/tracker.db or postgresql+psycopg2://user:pw@host/db")
    try:
        url = make_url(text)
    except ArgumentError as error:
        raise TrackerStoreConfigError(f"{URL_VARIABLE} is not a SQLAlchemy URL: {error}") from None
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise TrackerStoreConfigError(
            f"{URL_VARIABLE} uses '{url.get_backend_name()}'; supported: {', '.join(SUPPORTED_BACKENDS)}")
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise TrackerStoreConfigError(f"{URL_VARIABLE} names no SQLite file: an in-memory tracker store "
                                      "loses every conversation on restart")
    return url


def wait_for_database(url: URL, seconds: float = CONNECT_SECONDS) -> None:
    """Connect once, retrying while the database starts; raise after ``seconds``."""
    engine = sa.create_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                with engine.connect():
                    return
            except OperationalError as error:
                if time.monotonic() > deadline:
                    raise TrackerStoreConfigError(
                        f"tracker store {url.render_as_string(hide_password=True)} ({URL_VARIABLE}) "
                        f"unreachable for {seconds:.0f} s: {error.orig}") from None
                logger.warning("tracker store not reachable yet, retrying: %s", error.orig)
                time.sleep(1)
    finally:
        engine.dispose()


class URLSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` from a single, validated SQLAlchemy URL."""

    def __init__(
        self, domain: Optional[Domain] = None, host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None, **kwargs: Any,
    ) -> None:
        url = parse_tracker_url(host)
        if url.get_backend_name() == "sqlite":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        wait_for_database(url)
        logger.info("tracker store: %s", url.render_as_string(hide_password=True))
        # A host containing "://" is used by SQLTrackerStore as the complete URL.
        super().__init__(domain=domain, host=url.render_as_string(hide_password=False),
                         event_broker=event_broker, **kwargs)
