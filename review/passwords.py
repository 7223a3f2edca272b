"""Argon2id password hashes: what config files store and what a login checks.

Its own module, importing nothing of the review app, so that
``review.config`` (which writes hashes for ``init`` and ``hash-password``) and
``review.auth`` (which verifies them) do not import each other.
"""
from __future__ import annotations

import secrets
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Argon2id hash in PHC string format (what config files store)."""
    return _hasher.hash(password)


def verify_hash(stored: Optional[str], password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no hash, as slow as a real check and False."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
