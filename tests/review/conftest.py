"""Fixtures of the review-app tests: seeded databases, configuration, a live server."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy.engine import Engine

from review.auth import hash_password
from review.clusters import Lemmatizer, content_lemmatizer
from review.config import ReviewConfig, parse_config
from tests.review.live import LiveApp, running_app
from tests.review.seed import PERIOD, seed

PASSWORDS = {"anna": "admin-lösenord-1", "vera": "viewer-lösenord-2"}


@pytest.fixture(scope="session")
def lemmatizer() -> Lemmatizer:
    """The project's Swedish lemmatizer (the lookup table the spaCy pipeline is built from)."""
    return content_lemmatizer()


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    return {name: hash_password(pw) for name, pw in PASSWORDS.items()}


def make_config(password_hashes: dict[str, str], **overrides: Any) -> ReviewConfig:
    data: dict[str, Any] = {
        "session_secret": secrets.token_urlsafe(40),
        "users": {
            "anna": {"role": "admin", "password_hash": password_hashes["anna"]},
            "vera": {"role": "viewer", "password_hash": password_hashes["vera"]},
        },
    }
    data.update(overrides)
    return parse_config(data, env={})


@pytest.fixture
def config(password_hashes: dict[str, str]) -> ReviewConfig:
    return make_config(password_hashes)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


@pytest.fixture
def live(seeded: Engine, config: ReviewConfig, lemmatizer: Lemmatizer) -> Iterator[LiveApp]:
    """The review app on a seeded database, served on a free local port."""
    with running_app(seeded, config, lemmatizer, today=PERIOD[1]) as app:
        yield app


@pytest.fixture
def artifacts() -> Path:
    path = Path(__file__).resolve().parents[2] / "artifacts" / "review"
    path.mkdir(parents=True, exist_ok=True)
    return path
