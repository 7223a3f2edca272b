"""Who is asking: passwords, signed session cookies, CSRF tokens, the client's address,
login throttling, SSO.

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
import ipaddress
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Mapping, Optional

from review.config import ReviewConfig, User
from review.passwords import hash_password, verify_hash

__all__ = ["hash_password", "verify_password", "client_address", "LoginThrottle", "SessionCodec", "Session",
           "sso_user", "resolve_user", "COOKIE_NAME"]

COOKIE_NAME = "lotsen_review"


def verify_password(user: Optional[User], password: str) -> bool:
    return verify_hash(user.password_hash if user else None, password)


def _ip(text: str) -> Optional[str]:
    """``text`` as a normalised IP address ("::ffff:1.2.3.4" stays IPv6), or None if it is none."""
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        return None


def client_address(config: ReviewConfig, peer: str, headers: Mapping[str, str]) -> str:
    """The address of the browser, for the login throttle and the audit log.

    ``X-Forwarded-For`` (else ``X-Real-IP``) is read only when the TCP peer is
    one of ``trusted_proxies`` (the same setting the SSO header and
    ``X-Forwarded-Proto`` are trusted by); from anywhere else a client could
    write any address there. Of ``X-Forwarded-For`` the right-most address
    that is not itself a trusted proxy is the client (every proxy appends the
    address it was called from; the left part is the client's own claim).
    Without a usable header the peer is the client.
    """
    if not config.trusts_proxy(peer):
        return peer
    forwarded = [a for a in (headers.get("x-forwarded-for") or "").split(",") if a.strip()]
    for hop in reversed(forwarded):
        address = _ip(hop)
        if address is None:
            break  # a malformed entry: trust nothing left of it
        if not config.trusts_proxy(address):
            return address
    real = _ip(headers.get("x-real-ip") or "")
    if not forwarded and real is not None:
        return real
    return peer


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
    """Failed logins in a sliding window of ``window_seconds``, counted three ways:

    * per user name **and** client address: ``limit`` failures lock that pair
      out (someone guessing a colleague's password from their own machine);
    * per client address: ``address_limit`` failures (any names) lock the
      address out (one machine guessing many names);
    * per user name from all addresses: from ``limit`` failures on, each
      login of that name waits a growing delay (1, 2, 4 … up to
      ``max_delay_seconds``) before its password is checked. Never a
      lock-out: a user name cannot be locked out by anyone who knows it, and
      guessing one name from many addresses is slowed.

    The address is the client's (:func:`client_address`), so behind nginx one
    person guessing locks out only themselves, not everyone behind the proxy.
    In memory: the review app runs as one process. A successful login clears
    its pair's and its name's failures, not the address's.
    """

    def __init__(self, limit: int, window_seconds: float, address_limit: Optional[int] = None,
                 max_delay_seconds: float = 8.0) -> None:
        self.limit = limit
        self.address_limit = address_limit if address_limit is not None else 4 * limit
        self.window = window_seconds
        self.max_delay = max_delay_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> int:
        """Failures of ``key`` within the window (older ones, and keys left with none, are forgotten)."""
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return len(times)

    @staticmethod
    def _keys(address: str, username: str) -> tuple[str, str, str]:
        name = username.lower()
        return f"pair:{name}\n{address}", f"ip:{address}", f"user:{name}"

    def blocked(self, address: str, username: str, now: Optional[float] = None) -> bool:
        now = now or time.monotonic()
        pair, ip, _ = self._keys(address, username)
        with self._lock:
            return self._recent(pair, now) >= self.limit or self._recent(ip, now) >= self.address_limit

    def delay(self, username: str, now: Optional[float] = None) -> float:
        """Seconds a login of ``username`` waits before its password is checked."""
        now = now or time.monotonic()
        with self._lock:
            failures = self._recent(self._keys("", username)[2], now)
        if failures < self.limit:
            return 0.0
        return float(min(2 ** (failures - self.limit), self.max_delay))

    def failed(self, address: str, username: str, now: Optional[float] = None) -> None:
        now = now or time.monotonic()
        with self._lock:
            for key in self._keys(address, username):
                self._failures[key].append(now)

    def succeeded(self, address: str, username: str) -> None:
        pair, _, user = self._keys(address, username)
        with self._lock:
            self._failures.pop(pair, None)
            self._failures.pop(user, None)


def sso_user(config: ReviewConfig, peer_address: str, headers: Mapping[str, str]) -> Optional[User]:
    """The user named by the trusted proxy's header, or None.

    The header is honoured only when the TCP peer is one of the configured
    proxies; from anywhere else it is ignored (a browser could set it).
    Users listed in ``users`` keep their role; others get ``sso.default_role``
    or are not admitted.
    """
    sso = config.sso
    if not sso.enabled or not config.trusts_proxy(peer_address):
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
