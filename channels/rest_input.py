"""Rasa's ``rest`` input channel, answering 400 to a request it cannot use.

Rasa 3.6's :class:`rasa.core.channels.rest.RestInput` reads ``request.json``
without checking it: an empty body, or a JSON body that is not an object
(``[]``, ``"text"``, ``42``), fails with ``AttributeError`` and the client
gets a 500; a ``message`` that is not a string or ``metadata`` that is not
an object fails later, inside the bot, and the client gets ``200 []`` (and
an exception in the log) as if Lotsen had nothing to say. It also takes the
record's channel name from the request (``input_channel``), so any client
could make its questions count as Teams or widget questions.

:class:`LotsenRestInput` is the same channel (its name is still ``rest``, the
URL is still ``/webhooks/rest/webhook``) that checks the body first and
answers ``400`` with a one-line reason to anything but a JSON object with a
string ``message``, an optional ``sender`` (string or number, at most
:data:`MAX_SENDER_LENGTH` characters) and an optional ``metadata`` object
(small and shallow: :func:`channels.message_limit.metadata_problem`).
The channel name is always ``rest``. Invalid JSON and invalid UTF-8 were
already 400 in Sanic and still are. Configure it in credentials.yml in place
of ``rest:``::

    channels.rest_input.LotsenRestInput:
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel
from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from channels.message_limit import metadata_problem

MAX_SENDER_LENGTH = 128


class RequestError(InvalidUsage):
    """A 400 answer naming what is wrong with the request body."""


def request_body(request: Request) -> Dict[str, Any]:
    """The validated JSON object of a REST webhook request (parsed once per request)."""
    cached = getattr(request.ctx, "lotsen_body", None)
    if cached is not None:
        return cached
    try:
        body = json.loads(request.body.decode("utf-8")) if request.body else None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RequestError(f"The request body must be a JSON object in UTF-8 ({type(exc).__name__}).") from None
    if not isinstance(body, dict):
        raise RequestError('The request body must be a JSON object: {"sender": "...", "message": "..."}.')
    check_body(body)
    request.ctx.lotsen_body = body
    return body


def check_body(body: Dict[str, Any]) -> None:
    """Raise :class:`RequestError` unless ``sender``, ``message`` and ``metadata`` are usable."""
    sender = body.get("sender")
    if sender is not None:
        if isinstance(sender, bool) or not isinstance(sender, (str, int)):
            raise RequestError("'sender' must be a string.")
        if not str(sender).strip() or len(str(sender)) > MAX_SENDER_LENGTH:
            raise RequestError(f"'sender' must be 1 to {MAX_SENDER_LENGTH} characters.")
    if not isinstance(body.get("message"), str):
        raise RequestError("'message' must be a string.")
    metadata = body.get("metadata")
    problem = metadata_problem(metadata) if metadata is not None else None
    if problem:
        raise RequestError(f"'metadata': {problem}.")


class LotsenRestInput(RestInput):
    """Rasa's REST channel with its request body validated (400 instead of 500)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Rasa creates its channels at start-up: refuse one without Lotsen's patches (a plain ``rasa run``)."""
        from rasa_patches import require_applied

        require_applied(cls.name())
        return super().from_credentials(credentials)

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = request_body(req).get("sender")
        return None if sender is None else str(sender)

    def _extract_message(self, req: Request) -> Optional[Text]:
        return request_body(req)["message"]

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return request_body(request).get("metadata")
