"""A socket.io client for hostile tests: the widget's protocol (session_request,
user_uttered, bot_uttered), but any payload may be sent. Runs its own event
loop, so tests call it synchronously."""
from __future__ import annotations

import asyncio
from typing import Any, Optional

import socketio

REPLY_TIMEOUT = 45.0
SETTLE_SECONDS = 1.0  # a turn's messages follow each other closely; its end is a pause


class SocketIOUser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.loop = asyncio.new_event_loop()
        self.client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("bot_uttered", self._on_reply)
        self.client.on("session_confirm", self._on_confirm)
        self._run(self.client.connect(base_url, transports=["polling"], wait_timeout=REPLY_TIMEOUT))

    async def _on_reply(self, data: Any) -> None:
        await self.replies.put(data)

    async def _on_confirm(self, data: Any) -> None:
        await self.confirmed.put(data)

    def _run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def emit(self, event: str, data: Any) -> None:
        self._run(self.client.emit(event, data))

    def session(self, session_id: Any) -> Optional[str]:
        """Ask for a session; the id the server confirmed (None if it did not answer)."""
        return self.request_session({"session_id": session_id})

    def request_session(self, data: Any, timeout: float = REPLY_TIMEOUT) -> Optional[str]:
        """Send ``data`` as a session_request; the id the server confirmed (None if none)."""
        while not self.confirmed.empty():  # a late answer to an earlier request
            self.confirmed.get_nowait()
        self.emit("session_request", data)
        try:
            return self._run(asyncio.wait_for(self.confirmed.get(), timeout))
        except asyncio.TimeoutError:
            return None

    def collect(self, timeout: float = REPLY_TIMEOUT) -> list[dict[str, Any]]:
        """The replies of one turn: the first within ``timeout``, then all until a pause."""
        async def gather() -> list[dict[str, Any]]:
            try:
                replies = [await asyncio.wait_for(self.replies.get(), timeout)]
            except asyncio.TimeoutError:
                return []
            while True:
                try:
                    replies.append(await asyncio.wait_for(self.replies.get(), SETTLE_SECONDS))
                except asyncio.TimeoutError:
                    return replies
        return self._run(gather())

    def say(self, text: str, session_id: str, metadata: Optional[dict] = None) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"message": text, "session_id": session_id}
        if metadata is not None:
            payload["metadata"] = metadata
        self.emit("user_uttered", payload)
        return self.collect()

    def close(self) -> None:
        try:
            self._run(self.client.disconnect())
        finally:
            self.loop.close()
