"""Who is asking: passwords, signed session cookies, CSRF tokens, login throttling, SSO.

Sessions are stateless: the cookie carries ``{nonce, user, issued}`` signed
with HMAC-SHA256 under the configured session secret. The user's role is read
from the configuration on every request, so removing a user takes effect at
once. Every visitor (signed in or not) has a nonce; the CSRF token of a form is
an HMAC of that nonce, so a token is only valid with its own browser's cookie.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Mapping, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from review.config import ReviewConfig, User

COOKIE_NAME = "lotsen_review"
_hasher = PasswordHasher()
# Verified against when the user name is unknown, so timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Argon2id hash in PHC string format (what config files store)."""
    return _hasher.hash(password)


def verify_password(user: Optional[User], password: str) -> bool:
    stored = user.password_hash if user else None
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    nonce: str
    user: Optional[str]
    issued: float
    via: str = "password"  # "password" or "sso"


class SessionCodec:
    """Signs and verifies session cookies and derives CSRF tokens."""

    def __init__(self, secret: str, max_age_seconds: float) -> None:
        self._key = hashlib.sha256(("lotsen-review-session:" + secret).encode("utf-8")).digest()
        self.max_age = max_age_seconds

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest())

    def new(self, user: Optional[str] = None, via: str = "password") -> Session:
        return Session(nonce=secrets.token_urlsafe(18), user=user, issued=time.time(), via=via)

    def encode(self, session: Session) -> str:
        payload = json.dumps(
            {"n": session.nonce, "u": session.user, "t": session.issued, "v": session.via},
            separators=(",", ":"),
        ).encode("utf-8")
        return f"{_b64(payload)}.{self._sign(payload)}"

    def decode(self, cookie: Optional[str], now: Optional[float] = None) -> Optional[Session]:
        if not cookie or cookie.count(".") != 1:
            return None
        body, signature = cookie.split(".")
        try:
            payload = _unb64(body)
        except (ValueError, TypeError):
            return None
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        data = json.loads(payload)
        session = Session(nonce=data["n"], user=data.get("u"), issued=float(data["t"]), via=data.get("v", "password"))
        if (now or time.time()) - session.issued > self.max_age:
            return None
        return session

    def csrf_token(self, session: Session) -> str:
        return _b64(hmac.new(self._key, ("csrf:" + session.nonce).encode("utf-8"), hashlib.sha256).digest())

    def csrf_valid(self, session: Optional[Session], token: Optional[str]) -> bool:
        if session is None or not token:
            return False
        return hmac.compare_digest(self.csrf_token(session), token)


class LoginThrottle:
    """At most ``limit`` failed logins per client address and per user name in a sliding window.

    In memory: the review app runs as one process. Successful logins do not
    clear the address's failures, so guessing many names from one address is slowed too.
    """

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, address: str, username: str, now: Optional[float] = None) -> bool:
        now = now or time.monotonic()
        with self._lock:
            return any(
                len(self._recent(key, now)) >= self.limit for key in (f"ip:{address}", f"user:{username.lower()}")
            )

    def failed(self, address: str, username: str, now: Optional[float] = None) -> None:
        now = now or time.monotonic()
        with self._lock:
            for key in (f"ip:{address}", f"user:{username.lower()}"):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)


def sso_user(config: ReviewConfig, peer_address: str, headers: Mapping[str, str]) -> Optional[User]:
    """The user named by the trusted proxy's header, or None.

    The header is honoured only when the TCP peer is one of the configured
    proxies; from anywhere else it is ignored (a browser could set it).
    Users listed in ``users`` keep their role; others get ``sso.default_role``
    or are not admitted.
    """
    sso = config.sso
    if not sso.enabled or not sso.trusts(peer_address):
        return None
    name = (headers.get(sso.header or "") or "").strip()
    if not name:
        return None
    known = config.users.get(name)
    if known:
        return known
    if sso.default_role:
        return User(name=name, role=sso.default_role)
    return None


def resolve_user(config: ReviewConfig, session: Optional[Session]) -> Optional[User]:
    """The configured user a password session belongs to (None if removed meanwhile)."""
    if session is None or session.user is None or session.via != "password":
        return None
    return config.users.get(session.user)
