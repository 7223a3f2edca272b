"""The socket.io side of make load: the widget's protocol, played by python-socketio's client.

Like the widget (widget/src/lotsen-widget.js): connect, ``session_request``
with a session id, then ``user_uttered`` {message, session_id, metadata} and
the answers as ``bot_uttered`` events. A conversation reconnects every few
turns with the same session id, as a page reload does, so behind nginx its
turns may reach another Rasa replica and must keep their context there.

Socket.io has no end-of-turn marker, and under load a turn's last messages
can arrive after a pause. Every question's reply carries the record
announcement (``{"custom": {"lotsen": {"record_id": ...}}}``, sent right
after the answer, actions/recording.py), so a turn ends there: the latency is
the time to it, and a question without one within REPLY_TIMEOUT is an error.
The assessment offer may follow the announcement, so this channel does not
answer offers (the next question follows; REST plays the "Nej"). Messages
left over from the previous turn are dropped before the next is sent.
127.0.0.1 only.

Transport: HTTP long-polling. python-engineio's websocket client needs aiohttp
>= 3.10 (``ClientWSTimeout``) and Rasa 3.6 pins 3.9.5; polling is also the
transport that needs sticky sessions behind nginx (a websocket is one request).
The browser widget uses websocket first (tests/widget).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Iterator, Optional

import aiohttp
import socketio

from evaluation.load import DEPARTMENT, Reply, Say, local_address

logger = logging.getLogger(__name__)

REPLY_TIMEOUT = 30.0
TURNS_PER_CONNECTION = 5


def _cookie_session() -> aiohttp.ClientSession:
    """An HTTP session that keeps cookies for 127.0.0.1 (nginx's sticky-session cookie)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def announces_record(message: dict) -> bool:
    custom = message.get("custom")
    return isinstance(custom, dict) and "record_id" in (custom.get("lotsen") or {})


class SocketIOConversation:
    """One conversation over socket.io, driven synchronously from its user's thread."""

    def __init__(self, base_url: str, sender: str, turns_per_connection: int = TURNS_PER_CONNECTION) -> None:
        local_address(base_url)
        self.base_url = base_url
        self.sender = sender
        self.turns_per_connection = turns_per_connection
        self.loop = asyncio.new_event_loop()
        self.client: Optional[socketio.AsyncClient] = None
        self.replies: Optional[asyncio.Queue] = None
        self.turns = 0

    async def _connect(self) -> None:
        await self._disconnect()
        client = socketio.AsyncClient(reconnection=False, handle_sigint=False, http_session=_cookie_session)
        replies: asyncio.Queue = asyncio.Queue()
        confirmed = asyncio.Event()
        client.on("bot_uttered", replies.put_nowait)
        client.on("session_confirm", lambda *_: confirmed.set())
        await client.connect(self.base_url, transports=["polling"], wait_timeout=REPLY_TIMEOUT)
        await client.emit("session_request", {"session_id": self.sender})
        await asyncio.wait_for(confirmed.wait(), REPLY_TIMEOUT)
        self.client, self.replies = client, replies

    async def _disconnect(self) -> None:
        if self.client is not None:
            # A polite disconnect waits for the pending long-poll (up to the 25 s ping
            # interval); leave like a closed browser tab instead: the server drops the
            # session at its ping timeout.
            await self.client.eio.disconnect(abort=True)
            self.client = None

    async def _say(self, text: str) -> Reply:
        if self.client is None or self.turns % self.turns_per_connection == 0:
            await self._connect()
        self.turns += 1
        assert self.client is not None and self.replies is not None
        while not self.replies.empty():
            self.replies.get_nowait()  # the previous turn's offer, if any
        started = time.perf_counter()
        await self.client.emit("user_uttered", {"message": text, "session_id": self.sender, "metadata": DEPARTMENT})
        messages: list[dict] = []
        deadline = started + REPLY_TIMEOUT
        while not any(announces_record(m) for m in messages):
            try:
                messages.append(await asyncio.wait_for(self.replies.get(), max(0.0, deadline - time.perf_counter())))
            except asyncio.TimeoutError:
                logger.warning("no record announcement within %s s for %r (got %s)", REPLY_TIMEOUT, text, messages)
                return Reply((time.perf_counter() - started) * 1000, None)
        return Reply((time.perf_counter() - started) * 1000, messages)

    def say(self, sender: str, text: str) -> Reply:
        try:
            return self.loop.run_until_complete(self._say(text))
        except (socketio.exceptions.SocketIOError, asyncio.TimeoutError, aiohttp.ClientError, OSError) as error:
            logger.warning("socket.io turn failed (counted as an error): %r", error)
            self.client = None  # the next turn reconnects
            return Reply(0.0, None)

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self._disconnect())
            pending = asyncio.all_tasks(self.loop)  # the aborted client's read and write loops
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            self.loop.close()


@contextlib.contextmanager
def socketio_channel(base_url: str, sender: str) -> Iterator[Say]:
    """``say`` over socket.io for one conversation (for evaluation.load.run_conversations)."""
    conversation = SocketIOConversation(base_url, sender)
    try:
        yield conversation.say
    finally:
        conversation.close()
