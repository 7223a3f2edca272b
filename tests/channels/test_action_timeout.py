"""An action server that accepts the call but never answers costs the official
at most LOTSEN_ACTION_TIMEOUT seconds, then the apology (not Rasa's 5 minutes)."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.settings import ConfigurationError
from channels import action_unavailable
from channels.action_unavailable import RESPONSE, action_timeout, run_or_apologise


class TemplateNLG:
    async def generate(self, template, tracker, channel, **kwargs):
        return {"text": f"<{template}>"}


def test_a_hung_action_server_gets_the_apology_after_the_timeout(monkeypatch):
    async def never_answers(*args, **kwargs):
        await asyncio.sleep(60)

    monkeypatch.setattr(action_unavailable, "_original_run", never_answers)
    monkeypatch.setattr(action_unavailable, "_timeout_seconds", 0.2)
    tracker = DialogueStateTracker.from_events("s", [UserUttered("Får vi teckna ett vänortsavtal?")])
    action = RemoteAction("action_answer", None)

    events = asyncio.run(run_or_apologise(action, CollectingOutputChannel(), TemplateNLG(), tracker, Domain.empty()))

    assert [e.text for e in events] == [f"<{RESPONSE}>"]


@pytest.mark.parametrize("raw, expected", [("", 10.0), ("2.5", 2.5)])
def test_the_timeout_setting(raw, expected):
    assert action_timeout({"LOTSEN_ACTION_TIMEOUT": raw}) == expected


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "301"])
def test_a_broken_timeout_setting_is_refused_with_its_name(raw):
    with pytest.raises(ConfigurationError, match="LOTSEN_ACTION_TIMEOUT"):
        action_timeout({"LOTSEN_ACTION_TIMEOUT": raw})
