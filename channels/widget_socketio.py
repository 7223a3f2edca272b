"""Rasa's ``socketio`` input channel, fixed for the python-socketio this project pins.

Rasa 3.6's :class:`rasa.core.channels.socketio.SocketIOInput` has two bugs
with python-socketio 5.x (5.18.1 in requirements.lock) that break the web
widget:

1. With ``session_persistence: true`` it calls ``sio.enter_room(...)``
   without ``await``. In python-socketio >= 5.10 that method is a coroutine,
   so the socket never joins its session's room and *no bot message ever
   reaches the browser* (Rasa emits answers to ``room=session_id``).
2. ``send_custom_json`` calls ``sio.emit(event, **json_message)``, so a
   custom payload such as ``{"lotsen": {"record_id": ...}}`` raises
   ``TypeError: emit() got an unexpected keyword argument 'lotsen'`` and the
   rest of the turn's messages are lost.

:class:`WidgetSocketIOInput` is the same channel (its name is still
``socketio``, so records keep ``channel = socketio``) with both fixed: the
room is entered (and the previous session's room left) properly, and a
custom payload is sent as ``bot_uttered`` ``{"custom": {...}}``.
Configure it in credentials.yml in place of ``socketio:`` with the same
settings::

    channels.widget_socketio.WidgetSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
"""
from __future__ import annotations

import inspect
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

logger = logging.getLogger(__name__)

MAX_SESSION_ID_LENGTH = 128


async def _maybe_await(result: Any) -> Any:
    """python-socketio made some AsyncServer methods coroutines in 5.x."""
    if inspect.isawaitable(result):
        return await result
    return result


class WidgetSocketIOOutput(SocketIOOutput):
    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Send custom JSON as ``{"custom": {...}}`` (Rasa's version crashes on it)."""
        await self._send_message(recipient_id, {"custom": json_message})


class WidgetSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with working session rooms and custom payloads."""

    def get_output_channel(self) -> Optional[WidgetSocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()  # warns, returns None
        return WidgetSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None

        # Re-registering an event replaces Rasa's handler for it.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            if isinstance(requested, str) and 0 < len(requested) <= MAX_SESSION_ID_LENGTH:
                session_id = requested
            else:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                namespace = self.namespace or "/"
                for room in list(sio.rooms(sid, namespace=namespace) or []):
                    if room not in (sid, session_id):
                        await _maybe_await(sio.leave_room(sid, room, namespace=namespace))
                await _maybe_await(sio.enter_room(sid, session_id, namespace=namespace))
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("socket.io client %s joined session %s", sid, session_id)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not isinstance(sender_id, str) or not sender_id:
                    logger.warning("socket.io message without a session_id ignored (send session_request first)")
                    return
            else:
                sender_id = sid
            text = data.get("message", "")
            if not isinstance(text, str):
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            message = UserMessage(
                text,
                WidgetSocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await on_new_message(message)

        return socketio_webhook
