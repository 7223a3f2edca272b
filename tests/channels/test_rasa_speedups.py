"""The action-response validation speed-up keeps Rasa's behaviour exactly."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import channels  # noqa: F401  (applies the speed-up, as `rasa run` does via credentials.yml)
from channels.rasa_speedups import validate_action_result


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_rasa_uses_the_patched_validation():
    assert RemoteAction._validate_action_result is validate_action_result


def test_valid_responses_pass(action):
    assert action._validate_action_result({"events": [{"event": "slot", "name": "x", "value": 1}],
                                           "responses": [{"text": "Hej"}]})


@pytest.mark.parametrize("bad", [{"events": "not a list"}, {"events": [{"event": "slot", "name": "x"}]},
                                 {"events": [{"no_event_key": 1}]}])
def test_invalid_responses_raise_rasas_error(action, bad):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(bad)
