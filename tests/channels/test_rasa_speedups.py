"""The action-response validation speed-up keeps Rasa's behaviour exactly."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import rasa_patches
from channels.rasa_speedups import validate_action_result

rasa_patches.apply_all()  # as `python -m rasa_patches run` does before Rasa starts


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


def _events() -> list[dict]:
    from datetime import datetime

    from rasa.shared.core import events as ev

    return [e.as_dict() for e in (
        ev.SlotSet("last_topic", "vanortsavtal"), ev.SlotSet("n", 1), ev.ActionExecuted("action_answer"),
        ev.BotUttered("Hej", {"buttons": [{"title": "Ja", "payload": "/affirm"}]}),
        ev.UserUttered("Hej", {"name": "greet", "confidence": 1.0}, [{"entity": "x", "value": "y", "start": 0, "end": 1}]),
        ev.ActiveLoop("assessment_form"), ev.ActiveLoop(None), ev.FollowupAction("action_answer"),
        ev.SessionStarted(), ev.Restarted(), ev.AllSlotsReset(), ev.UserUtteranceReverted(), ev.ActionReverted(),
        ev.ReminderScheduled("greet", datetime(2027, 1, 1)), ev.ReminderCancelled(), ev.ConversationPaused(),
        ev.ActionExecutionRejected("assessment_form"), ev.LoopInterrupted(True), ev.EntitiesAdded([]),
    )]


def _responses() -> list:
    """Valid responses, and each event broken in every way one key can break."""
    weird = [None, 5, 2.5, "text", [], {}, True]
    out: list = [{}, {"events": []}, {"responses": [{"text": "Hej"}]}, {"events": None}, {"events": 5},
                 {"events": ["slot"]}, {"events": [{"event": 5}]}, {"events": [{"event": "no_such_event"}]},
                 {"responses": "Hej"}, {"responses": [5]}, [], "x"]
    for event in _events():
        out.append({"events": [event], "responses": []})
        for key in event:
            out.append({"events": [{k: v for k, v in event.items() if k != key}]})
            out += [{"events": [event, {**event, key: value}]} for value in weird]
    return out


def test_each_event_checked_by_its_type_agrees_with_the_full_schema():
    from channels.rasa_speedups import _event_dispatch, _response_validator

    dispatch, full = _event_dispatch(), _response_validator()
    assert dispatch is not None, "Rasa's event schema changed shape: the speed-up is off"
    cases = _responses()
    verdicts = [(dispatch.is_valid(r), full.is_valid(r)) for r in cases]
    assert verdicts == [(f, f) for _, f in verdicts]
    assert sum(f for _, f in verdicts) > 40 and sum(not f for _, f in verdicts) > 40  # both kinds covered
