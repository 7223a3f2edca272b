"""Bound the cost of a message in a very long conversation.

Rasa 3.6 featurises every turn of the current session for each prediction
(``RulePolicy`` forces ``max_history = None``), sends the whole session to
the action server on every action call and, with the in-memory tracker
store, serialises it on every save: a message's cost grows with the length
of the conversation (29 ms at message 1, 192 ms at message 100 in
``make bench``).

Rasa already keeps only the latest *session* in play: ``retrieve`` of the
in-memory and SQL tracker stores returns the last session, applied events
restart at ``SessionStarted``, and ``action_session_start`` carries the slots
over. So a conversation rolls over to a new session once its current session
holds ``LOTSEN_SESSION_TURNS`` user messages (default 20), never while a form
is active. The slots the actions read (last topic, counterpart, question,
record, the offer of an assessment, the department) come along, so
follow-ups, feedback and the assessment offer work across the boundary.

Rasa's ``action_session_start`` carries over *every* ``SlotSet`` event of the
previous session, so each session would start with all the slot events of
all sessions before it; the carried events are reduced to the latest value
of each slot, which gives the same slots.
"""
from __future__ import annotations

import os
from typing import Mapping, Optional

from rasa.core.actions.action import ActionSessionStart
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.settings import whole_number_setting
from rasa_patches.core import Patch, apply as apply_patches, rasa_original

ENV_VAR = "LOTSEN_SESSION_TURNS"
DEFAULT_TURNS = 20
MIN_TURNS = 2

_original_has_session_expired = rasa_original(MessageProcessor, "_has_session_expired")
RASA_SLOT_SET_EVENTS = rasa_original(ActionSessionStart, "_slot_set_events_from_tracker")  # Rasa's carry-over
_max_turns: Optional[int] = None


def turns_from_env(environ: Optional[Mapping[str, str]] = None) -> int:
    """``LOTSEN_SESSION_TURNS`` as a whole number of at least ``MIN_TURNS``; raises on anything else."""
    env = os.environ if environ is None else environ
    return whole_number_setting(env, ENV_VAR, DEFAULT_TURNS, MIN_TURNS, "user messages")


def user_turns_in_session(tracker: DialogueStateTracker) -> int:
    """User messages since the latest session start (or restart)."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, (SessionStarted, Restarted)):
            break
        if isinstance(event, UserUttered):
            count += 1
    return count


def should_roll_over(tracker: DialogueStateTracker, max_turns: int) -> bool:
    """True when the current session is full and no form is running."""
    return tracker.active_loop_name is None and user_turns_in_session(tracker) >= max_turns


def latest_slot_events(tracker: DialogueStateTracker) -> list[SlotSet]:
    """One ``SlotSet`` per slot, its latest value (and metadata), in the order they were last set."""
    latest: dict[str, SlotSet] = {}
    for event in tracker.applied_events():
        if isinstance(event, SlotSet):
            latest.pop(event.key, None)
            latest[event.key] = SlotSet(key=event.key, value=event.value, metadata=event.metadata)
    return list(latest.values())


def _has_session_expired(self: MessageProcessor, tracker: DialogueStateTracker) -> bool:
    """Rasa's expiry (``session_expiration_time``), or a full session."""
    if _original_has_session_expired(self, tracker):
        return True
    if _max_turns is None or not should_roll_over(tracker, _max_turns):
        return False
    if not self.domain.session_config.carry_over_slots:
        raise RuntimeError(
            f"{ENV_VAR} rolls long conversations over to a new session, which needs "
            "session_config.carry_over_slots_to_new_session: true in domain.yml"
        )
    return True


PATCHES = (
    Patch(__name__, MessageProcessor, "_has_session_expired", _has_session_expired),
    Patch(__name__, ActionSessionStart, "_slot_set_events_from_tracker", staticmethod(latest_slot_events)),
)


def configure(environ: Optional[Mapping[str, str]] = None) -> int:
    """Read ``LOTSEN_SESSION_TURNS`` (raises on a bad value, so Rasa does not start); returns it."""
    global _max_turns
    _max_turns = turns_from_env(environ)
    return _max_turns


def apply(environ: Optional[Mapping[str, str]] = None) -> int:
    """Configure and install the rollover alone; returns the session length in user messages."""
    turns = configure(environ)
    apply_patches(PATCHES)
    return turns
