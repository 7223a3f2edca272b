"""Access tokens for the bot's replies to the Bot Connector.

A single-tenant bot gets its tokens from its own tenant's endpoint
(``https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token``) with the
client-credentials grant; Rasa 3.6 asks the multi-tenant endpoint, which new
bot registrations cannot use. Tokens are cached until shortly before expiry.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Optional
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)

TOKEN_URL_TEMPLATE = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
BOTFRAMEWORK_SCOPE = "https://api.botframework.com/.default"
REFRESH_MARGIN_SECONDS = 300.0
HTTP_TIMEOUT_SECONDS = 10.0


class ConnectorTokenError(Exception):
    """No access token could be obtained for the Bot Connector."""


def tenant_token_url(template: str, tenant_id: str) -> str:
    """The token endpoint for ``tenant_id``; ``template`` contains ``{tenant}``."""
    return template.format(tenant=quote(tenant_id, safe=""))


@dataclass
class ConnectorTokenProvider:
    """Fetches and caches the bot's client-credentials token."""

    app_id: str
    app_password: str
    token_url: str
    scope: str = BOTFRAMEWORK_SCOPE
    clock: Callable[[], float] = time.monotonic
    _token: Optional[str] = field(default=None, init=False, repr=False)
    _expires_at: float = field(default=0.0, init=False)
    _lock: Optional[asyncio.Lock] = field(default=None, init=False)

    async def authorization(self) -> str:
        """The ``Authorization`` header value for a call to the Bot Connector."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._token is None or self.clock() >= self._expires_at:
                await self._fetch()
        return f"Bearer {self._token}"

    async def _fetch(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self.app_password,
            "scope": self.scope,
        }
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(self.token_url, data=form) as resp:
                    body = await resp.json(content_type=None)
                    if resp.status != 200:
                        raise ConnectorTokenError(
                            f"token endpoint answered {resp.status}: {_error_text(body)}"
                        )
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise ConnectorTokenError(f"token request to {self.token_url} failed: {exc}") from exc
        self._store(body)

    def _store(self, body: object) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise ConnectorTokenError("token endpoint returned no access_token")
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._token = body["access_token"]
        self._expires_at = self.clock() + max(lifetime - REFRESH_MARGIN_SECONDS, 0.0)


def _error_text(body: object) -> str:
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or body)
    return str(body)
