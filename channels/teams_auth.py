"""Verification of the JWT the Bot Framework puts on every incoming activity.

The Bot Connector signs each request to the bot with a key from the key set
published through its OpenID metadata document. A request is genuine when

* the token is an RS256 JWT signed by one of those keys,
* its audience is the bot's app id and its issuer is the Bot Framework,
* it has not expired (and is already valid, when it says from when),
* its ``serviceUrl`` claim equals the activity's ``serviceUrl``, and
* the signing key is endorsed for the activity's channel (when the key
  lists endorsements).

Nothing is fetched until the first request needs a key: the metadata and key
set are loaded lazily, cached, re-read daily and re-read when a token names a
key id the cache does not know (keys are rotated without notice).
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

import aiohttp
import jwt

logger = logging.getLogger(__name__)

BOTFRAMEWORK_OPENID_METADATA_URL = (
    "https://login.botframework.com/v1/.well-known/openidconfiguration"
)
BOTFRAMEWORK_ISSUER = "https://api.botframework.com"
SIGNING_ALGORITHM = "RS256"
# Microsoft's guidance allows five minutes of clock skew between services.
DEFAULT_LEEWAY_SECONDS = 300
KEY_SET_MAX_AGE_SECONDS = 24 * 60 * 60
DEFAULT_KEY_REFRESH_INTERVAL_SECONDS = 60.0
HTTP_TIMEOUT_SECONDS = 10.0


class AuthenticationError(Exception):
    """The request does not carry a valid Bot Framework token."""


class KeySetUnavailable(Exception):
    """The published signing keys could not be loaded, and none are cached."""


@dataclass(frozen=True)
class VerifiedToken:
    """The claims of a verified token and the endorsements of its signing key."""

    claims: Mapping[str, Any]
    endorsements: Optional[tuple[str, ...]] = None


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as resp:
        resp.raise_for_status()
        return await resp.json(content_type=None)


@dataclass
class OpenIdKeySet:
    """The Bot Framework's signing keys, fetched on demand and cached by key id."""

    metadata_url: str
    refresh_interval: float = DEFAULT_KEY_REFRESH_INTERVAL_SECONDS
    max_age: float = KEY_SET_MAX_AGE_SECONDS
    clock: Callable[[], float] = time.monotonic
    _keys: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    _fetched_at: Optional[float] = field(default=None, init=False)
    _lock: Optional[asyncio.Lock] = field(default=None, init=False)

    async def key(self, kid: str) -> Optional[dict[str, Any]]:
        """The JWK with id ``kid``, refreshing the cache when it is stale or lacks it."""
        if self._is_stale():
            await self._refresh(keep_old_on_failure=True)
        if kid not in self._keys and self._may_refresh():
            logger.info("Unknown Bot Framework signing key %r; re-reading the key set.", kid)
            await self._refresh(keep_old_on_failure=True)
        return self._keys.get(kid)

    def _is_stale(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at > self.max_age

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at >= self.refresh_interval

    async def _refresh(self, keep_old_on_failure: bool) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            try:
                self._keys = await self._fetch_keys()
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError) as exc:
                if not (keep_old_on_failure and self._keys):
                    raise KeySetUnavailable(
                        f"could not load the signing keys via {self.metadata_url}: {exc}"
                    ) from exc
                logger.warning("Could not re-read the Bot Framework signing keys: %s", exc)
            self._fetched_at = self.clock()

    async def _fetch_keys(self) -> dict[str, dict[str, Any]]:
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            metadata = await _get_json(session, self.metadata_url)
            key_set = await _get_json(session, metadata["jwks_uri"])
        keys = {k["kid"]: k for k in key_set["keys"] if isinstance(k, dict) and "kid" in k}
        logger.debug("Loaded %d Bot Framework signing keys.", len(keys))
        return keys


def bearer_token(authorization: Optional[str]) -> str:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not authorization:
        raise AuthenticationError("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header is not a Bearer token")
    return token.strip()


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"malformed token: {exc}") from exc
    if header.get("alg") != SIGNING_ALGORITHM:
        raise AuthenticationError(f"token algorithm {header.get('alg')!r} is not allowed")
    if not isinstance(header.get("kid"), str):
        raise AuthenticationError("token header names no key id")
    return header


def _endorsements(jwk: Mapping[str, Any]) -> Optional[tuple[str, ...]]:
    raw = jwk.get("endorsements")
    if raw is None:
        return None
    return tuple(str(item) for item in raw)


@dataclass
class ActivityAuthenticator:
    """Checks incoming Bot Framework tokens for one bot (app id)."""

    keys: OpenIdKeySet
    audience: str
    issuer: str = BOTFRAMEWORK_ISSUER
    leeway_seconds: float = DEFAULT_LEEWAY_SECONDS

    async def verify(self, authorization: Optional[str]) -> VerifiedToken:
        """Verify signature, audience, issuer and lifetime of the request's token."""
        token = bearer_token(authorization)
        header = _unverified_header(token)
        jwk = await self.keys.key(header["kid"])
        if jwk is None:
            raise AuthenticationError(f"token signed with unknown key {header['kid']!r}")
        claims = self._decode(token, jwk)
        return VerifiedToken(claims=claims, endorsements=_endorsements(jwk))

    def _decode(self, token: str, jwk: Mapping[str, Any]) -> dict[str, Any]:
        try:
            public_key = jwt.PyJWK(dict(jwk), algorithm=SIGNING_ALGORITHM).key
            return jwt.decode(
                token,
                key=public_key,
                algorithms=[SIGNING_ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"token rejected: {exc}") from exc


def check_activity_binding(
    token: VerifiedToken, service_url: str, channel_id: Optional[str]
) -> None:
    """The token must have been issued for this activity's service URL and channel."""
    claimed = token.claims.get("serviceUrl")
    if claimed != service_url:
        raise AuthenticationError(
            f"serviceUrl claim {claimed!r} does not match the activity's {service_url!r}"
        )
    if token.endorsements is not None and channel_id not in token.endorsements:
        raise AuthenticationError(f"signing key is not endorsed for channel {channel_id!r}")
