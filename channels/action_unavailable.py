"""An apology instead of silence when the action server cannot run an action.

Rasa 3.6 runs every custom action as a :class:`RemoteAction` (an HTTP call to
the action server). When that call fails (connection refused, a 5xx, a
timeout, an invalid response), ``MessageProcessor._run_action`` logs the
exception and carries on with no events: the official gets no answer at all.

:func:`apply` wraps ``RemoteAction.run`` so that such a failure is still
logged with its traceback, and the action's result becomes one bot utterance
of the domain response ``utter_action_unavailable`` (Swedish, in domain.yml).
The tracker then looks as if the action ran and said that, so the
conversation goes on as the rules expect (``action_listen`` follows) and the
next message calls the action server again: once it is back, answers come
back by themselves. Nothing is cached or retried here.

Rasa itself waits up to five minutes for an action server that accepts the
connection but never answers; here the call is bounded by
``LOTSEN_ACTION_TIMEOUT`` seconds (default 10, read and checked when Rasa
loads the channels), after which the official gets the apology too.

``ActionExecutionRejection`` (a form's validation refusing a value) is part of
Rasa's normal flow, not a failure, and passes through unchanged. The apology
is said at most once per user message, however many actions of that turn fail
(a form's validation and its next action, say).
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, List, Mapping

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import BotUttered, Event, UserUttered

from actions.settings import seconds_setting
from rasa_patches.core import Patch, apply as apply_patches, rasa_original

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

RESPONSE = "utter_action_unavailable"
TIMEOUT_VARIABLE = "LOTSEN_ACTION_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 10.0


def action_timeout(env: Mapping[str, str] = os.environ) -> float:
    """Seconds one action call may take; broken configuration stops Rasa's start-up."""
    return seconds_setting(env, TIMEOUT_VARIABLE, DEFAULT_TIMEOUT_SECONDS, maximum=300)


_timeout_seconds = action_timeout()

_original_run = rasa_original(RemoteAction, "run")


def apologised_this_turn(tracker: "DialogueStateTracker") -> bool:
    """Whether the apology was already said since the latest user message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == RESPONSE:
            return True
    return False


async def apology(
    nlg: "NaturalLanguageGenerator", tracker: "DialogueStateTracker", output_channel: "OutputChannel",
) -> List[Event]:
    """The domain response as a bot utterance (none if already said this turn)."""
    if apologised_this_turn(tracker):
        return []
    message = await nlg.generate(RESPONSE, tracker, output_channel.name())
    if message is None:  # the domain lost the response: a broken deployment, say so loudly
        raise RuntimeError(f"domain.yml has no response {RESPONSE!r} (channels/action_unavailable.py)")
    message["utter_action"] = RESPONSE
    return [create_bot_utterance(message)]


async def run_or_apologise(
    self: RemoteAction,
    output_channel: "OutputChannel",
    nlg: "NaturalLanguageGenerator",
    tracker: "DialogueStateTracker",
    domain: "Domain",
) -> List[Event]:
    """``RemoteAction.run``; if the action server fails, log it and apologise."""
    try:
        return await asyncio.wait_for(
            _original_run(self, output_channel, nlg, tracker, domain), timeout=_timeout_seconds
        )
    except ActionExecutionRejection:
        raise
    except Exception:  # noqa: BLE001 - logged with its traceback, answered with the apology
        logger.exception(
            "The action server could not run '%s'; answering with %s instead.", self.name(), RESPONSE
        )
        return await apology(nlg, tracker, output_channel)


PATCHES = (Patch(__name__, RemoteAction, "run", run_or_apologise),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)


def applied() -> bool:
    return RemoteAction.run is run_or_apologise

