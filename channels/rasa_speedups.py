"""Measured speed-ups for Rasa 3.6, applied when Rasa imports the project's
channels (credentials.yml names them, so every ``rasa run`` of Lotsen loads
this): the schema check below, DIET loaded without tracing a training step
(``rasa_patches/fast_model_load.py``: start-up time and memory), and the
session rollover that bounds the cost of long conversations
(``rasa_patches/session_rollover.py``).

Rasa validates every action-server response with ``jsonschema.validate``,
which with the pinned jsonschema 4.17 re-checks the *schema itself* against
its meta-schema on every call. py-spy showed that as 45 % of the Rasa
server's busy time per message (docs/performance.md). The replacement checks
the schema once and validates each response against it exactly as before:
same schema, same errors, same message.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

from rasa_patches import fast_model_load, session_rollover

_original = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result`` with the schema checked once."""
    error = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    _original(self, result)  # invalid: Rasa's own check raises with its exact message
    raise error  # not reached unless the two disagree; never accept an invalid response


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    fast_model_load.apply()  # Rasa imports the channels before it loads the model
    session_rollover.apply()  # raises on a bad LOTSEN_SESSION_TURNS, so Rasa does not start
