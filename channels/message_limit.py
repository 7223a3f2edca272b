"""What Rasa does to every message before NLU: clean it and apply the length limit.

An official may paste a whole e-mail or document into the chat. Lotsen reads
at most :data:`MAX_MESSAGE_CHARS` characters of a message (2,000: a question
with its context, or a pasted e-mail paragraph, fits; a pasted thread does
not). A longer message is cut *before* NLU, so a 100 kB paste costs no more
than a 2,000-character one, and the tracker (which Rasa sends to the action
server with every action call) never holds more than the limit.

Both happen in ``MessageProcessor._handle_message_with_tracker``, the one
place every input channel's message passes (REST, socket.io, Teams) before it
is parsed. :func:`apply` wraps it so that every message is first cleaned
(:func:`actions.plain_text.clean_text`: no control, surrogate or invisible
format characters; what NLU reads and the record stores), and a message
still over the limit is

* cut to the limit, at the last whitespace if one is near the end (a word,
  an e-mail address or a personal identity number is not split, so the
  records' masking still recognises it), else exactly at the limit;
* marked in its metadata: ``metadata["lotsen"]["truncated"]`` is ``True`` for
  a cut message and ``False`` for every other one (the channel's value is
  always overwritten, so no client can mark its own message); the action
  server reads it (``actions/turn.py``) and stores ``question_truncated``;
* answered first with the domain response ``utter_message_too_long`` (how
  long a message may be and what to do), then as usual from the cut text.

A channel's metadata that is nested deeper than :data:`MAX_METADATA_DEPTH`
or larger than :data:`MAX_METADATA_CHARS` as JSON is dropped with a warning
(Rasa copies and serialises it into the tracker and every action call; a
deep enough value makes that fail). Lotsen's channels send a few flat keys.
"""
from __future__ import annotations

import logging
import json
from typing import Any

from rasa.core.actions.action import create_bot_utterance
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from actions.plain_text import clean_text
from rasa_patches.core import Patch, apply as apply_patches, rasa_original

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
WORD_BOUNDARY_WINDOW = 100  # cut at whitespace only if it is this close to the limit
METADATA_KEY = "lotsen"
TRUNCATED_KEY = "truncated"
RESPONSE = "utter_message_too_long"
MAX_METADATA_DEPTH = 16
MAX_METADATA_CHARS = 16_000

_original_handle = rasa_original(MessageProcessor, "_handle_message_with_tracker")


def truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, preferably at whitespace."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if text[limit].isspace():
        return head.rstrip()
    boundary = max(head.rfind(c) for c in (" ", "\n", "\t"))
    if boundary >= limit - WORD_BOUNDARY_WINDOW:
        return head[:boundary].rstrip()
    return head


def display_limit(limit: int = MAX_MESSAGE_CHARS) -> str:
    """The limit as a Swedish reader writes it: 2 000 (a no-break space groups thousands)."""
    return f"{limit:,}".replace(",", "\u00a0")


def metadata_problem(metadata: Any) -> str | None:
    """Why ``metadata`` is unusable (not an object, too deep, too large), or None."""
    if not isinstance(metadata, dict):
        return "metadata must be a JSON object"
    stack: list[tuple[Any, int]] = [(metadata, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            return f"metadata is nested deeper than {MAX_METADATA_DEPTH} levels"
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children)
    if len(json.dumps(metadata, ensure_ascii=False, default=str)) > MAX_METADATA_CHARS:
        return f"metadata is larger than {MAX_METADATA_CHARS} characters as JSON"
    return None


def channel_metadata(message: UserMessage) -> dict[str, Any]:
    """A copy of the channel's metadata, or {} (with a warning) when it is unusable."""
    if message.metadata is None:
        return {}
    problem = metadata_problem(message.metadata)
    if problem:
        logger.warning("metadata of a %s message dropped: %s", message.input_channel, problem)
        return {}
    return dict(message.metadata)


def guard_message(message: UserMessage) -> bool:
    """Clean ``message`` and cut it to the limit (in place), mark its metadata; True if it was cut."""
    truncated = False
    if isinstance(message.text, str):
        text = clean_text(message.text).strip()
        truncated = len(text) > MAX_MESSAGE_CHARS
        if truncated:
            logger.info("message of %d characters cut to the limit of %d", len(text), MAX_MESSAGE_CHARS)
            text = truncate(text)
        message.text = text
    metadata = channel_metadata(message)
    own = metadata.get(METADATA_KEY)
    metadata[METADATA_KEY] = {**(own if isinstance(own, dict) else {}), TRUNCATED_KEY: truncated}
    message.metadata = metadata
    return truncated


async def notice(processor: MessageProcessor, message: UserMessage, tracker: DialogueStateTracker) -> None:
    """Say ``utter_message_too_long`` now, before the answer, and keep it in the tracker."""
    channel = message.output_channel
    response = await processor.nlg.generate(RESPONSE, tracker, channel.name(), max_chars=display_limit())
    if response is None:  # the domain lost the response: a broken deployment, say so loudly
        raise RuntimeError(f"domain.yml has no response {RESPONSE!r} (channels/message_limit.py)")
    response["utter_action"] = RESPONSE
    event = create_bot_utterance(response)
    tracker.update(event, processor.domain)
    await channel.send_response(tracker.sender_id, event.message())


async def handle_guarded(processor: MessageProcessor, message: UserMessage, tracker: DialogueStateTracker) -> None:
    """Rasa's ``_handle_message_with_tracker`` on the message cleaned and cut to the limit."""
    truncated = guard_message(message)
    await _original_handle(processor, message, tracker)
    if truncated:
        await notice(processor, message, tracker)


PATCHES = (Patch(__name__, MessageProcessor, "_handle_message_with_tracker", handle_guarded),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
