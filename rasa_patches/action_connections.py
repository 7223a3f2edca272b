"""Reuse HTTP connections from Rasa to the action server.

Rasa 3.6's ``EndpointConfig.request`` opens a new aiohttp ``ClientSession``
(and so a new TCP connection) for every action call and closes it after the
answer. This keeps one session per endpoint and event loop, so calls reuse
kept-alive connections. The client is aiohttp (3.9), which sets TCP_NODELAY
on its sockets, so no delayed-ACK stall is added either way.

Connections idle for longer than ``KEEPALIVE_SECONDS`` are closed by the
client, well before the action server (Sanic, 5 s) would close them, so a
call never goes out on a connection the server is closing.
"""
from __future__ import annotations

import asyncio
from typing import Any, Optional

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

KEEPALIVE_SECONDS = 2.0
RASA_SESSION = rasa_original(EndpointConfig, "session")  # Rasa's own: a new ClientSession per call


class _Borrowed:
    """``async with`` over a shared session that leaves it open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """A session configured as Rasa's ``EndpointConfig.session`` does, with a keep-alive pool."""
    auth: Optional[aiohttp.BasicAuth] = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
    )


def shared_session(self: EndpointConfig) -> _Borrowed:
    """Replaces ``EndpointConfig.session``: this endpoint's session for the running event loop."""
    loop = asyncio.get_running_loop()
    cached: Optional[tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = getattr(self, "_lotsen_session", None)
    if cached is None or cached[0] is not loop or cached[1].closed:
        cached = (loop, _new_session(self))
        self._lotsen_session = cached
    return _Borrowed(cached[1])


PATCHES = (Patch(__name__, EndpointConfig, "session", shared_session),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
