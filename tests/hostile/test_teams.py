"""The hostile corpus over the Teams webhook: signed activities from the fake
Bot Framework services (tests/channels/fake_botframework.py). Every message is
answered through the Bot Connector, one over the limit first hears it was too
long and is stored truncated; broken activities get 400, never a 5xx."""
from __future__ import annotations

import json

import requests

from tests.hostile.conftest import NORMAL_QUESTION, check_answer_and_records, records_of
from tests.hostile.corpus import bodies, messages


def post(lotsen, body: bytes, headers: dict) -> requests.Response:
    return requests.post(f"{lotsen.rasa_url}/webhooks/msteams/webhook", data=body,
                         headers={"Content-Type": "application/json", **headers}, timeout=60)


def say(lotsen, fake, text, conversation_id: str, user_id: str) -> tuple[int, list[str]]:
    """Send one signed activity; its status and the texts the bot sent back to that conversation."""
    activity = fake.activity(text, user_id=user_id, conversation_id=conversation_id)
    before = len(fake.replies)
    status = post(lotsen, json.dumps(activity).encode(), fake.auth_headers(activity)).status_code
    # The webhook answers once the turn is handled, so its replies have arrived.
    replies = [r for r in fake.replies[before:] if r.conversation_id == conversation_id]
    return status, [r.text or json.dumps(r.activity.get("attachments")) for r in replies]


def test_every_corpus_message_is_answered_over_teams(lotsen, fake_teams):
    for i, message in enumerate(messages()):
        user_id = f"29:hostile-teams-{i}"
        status, said = say(lotsen, fake_teams, message.text, f"a:hostile-{i}", user_id)
        assert status == 200, message.name
        check_answer_and_records(message, said, records_of(lotsen, user_id), "msteams")


def test_broken_activities_get_400_and_teams_still_answers(lotsen, fake_teams):
    headers = fake_teams.auth_headers(fake_teams.activity("x"))
    for body in bodies():
        status = post(lotsen, body.raw, headers).status_code
        assert status == 400, (body.name, status)
    base = fake_teams.activity("Hej")
    broken = [
        {**base, "text": {"nested": "object"}},
        {**base, "from": "not an object"},
        {**base, "conversation": {"id": ""}},
        {**base, "type": 42},
        {**base, "serviceUrl": "javascript:alert(1)"},
        {**base, "entities": [{"type": "mention", "mentioned": "x", "text": None}] * 1000},
    ]
    for activity in broken:
        status = post(lotsen, json.dumps(activity).encode(), fake_teams.auth_headers(activity)).status_code
        assert status in (200, 400, 401), (activity, status)
    status, said = say(lotsen, fake_teams, NORMAL_QUESTION, "a:hostile-after", "29:hostile-teams-after")
    assert status == 200 and said and "Källa:" in said[0]
