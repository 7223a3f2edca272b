"""A measured speed-up for Rasa 3.6: the action-response schema checked once.
Applied with every other patch by ``rasa_patches.apply_all()`` (listed in
``rasa_patches.PATCH_MODULES``), explained with its py-spy figure in
docs/performance.md.

Rasa validates every action-server response with ``jsonschema.validate``,
which with the pinned jsonschema 4.17 re-checks the *schema itself* against
its meta-schema on every call. py-spy showed that as 45 % of the Rasa
server's busy time per message (docs/performance.md). The replacement checks
the schema once and validates each response against it exactly as before:
same schema, same errors, same message.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

_original = rasa_original(RemoteAction, "_validate_action_result")


def _checked_validator(schema: dict[str, Any]) -> Any:
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    return _checked_validator(RemoteAction.action_response_format_spec())


@dataclass(frozen=True)
class _EventDispatch:
    """The response schema split so that each event is checked against its own event type only.

    Rasa's event schema is ``oneOf`` 23 event types, each fixing ``event`` to a
    different constant, so jsonschema tries all 23 for every event (py-spy: 8 %
    of the Rasa server's busy time under load). An event whose ``event`` names
    one type can only match that type; it is valid exactly when it passes the
    common part and that type's schema."""

    envelope: Any  # the response with "events" checked as an array only
    common: Any  # the event schema without its oneOf
    by_type: dict[str, Any]  # event name -> validator of that type's schema

    def is_valid(self, result: Any) -> bool:
        """True only if the full schema accepts ``result``; False means "ask the full schema"."""
        if not self.envelope.is_valid(result):
            return False
        for event in result.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            check = self.by_type.get(name) if isinstance(name, str) else None
            if check is None or not self.common.is_valid(event) or not check.is_valid(event):
                return False
        return True


@lru_cache(maxsize=1)
def _event_dispatch() -> Optional[_EventDispatch]:
    """The split schema, or None if Rasa's schema is not shaped as this relies on."""
    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    events = schema["properties"]["events"]
    event_schema = dict(events["items"])
    alternatives = event_schema.pop("oneOf", None)
    if "event" not in event_schema.get("required", ()) or not alternatives:
        return None
    names = [alt.get("properties", {}).get("event", {}).get("const") for alt in alternatives]
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return None
    schema["properties"]["events"] = {k: v for k, v in events.items() if k != "items"}
    return _EventDispatch(
        envelope=_checked_validator(schema),
        common=_checked_validator(event_schema),
        by_type={name: _checked_validator(alt) for name, alt in zip(names, alternatives)},
    )


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result``: the schema checked once, each event by its type."""
    dispatch = _event_dispatch()
    if dispatch is not None and dispatch.is_valid(result):
        return True
    error = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    _original(self, result)  # invalid: Rasa's own check raises with its exact message
    raise error  # not reached unless the two disagree; never accept an invalid response


PATCHES = (Patch(__name__, RemoteAction, "_validate_action_result", validate_action_result),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
