"""Teams end to end: signed activities from fake Bot Framework services reach
the trained bot, replies go back through the tenant's token, records say msteams."""
from __future__ import annotations

import requests

from actions.privacy import conversation_hash


def post(lotsen, fake, activity, headers):
    return requests.post(f"{lotsen.rasa_url}/webhooks/msteams/webhook", json=activity, headers=headers, timeout=30)


def test_signed_activity_is_answered_and_recorded_as_msteams(lotsen, fake_teams, records):
    before = len(fake_teams.replies)
    activity = fake_teams.activity("Får vi teckna ett vänortsavtal med Berlin?", user_id="29:1teams-user-A")
    assert post(lotsen, fake_teams, activity, fake_teams.auth_headers(activity)).status_code == 200
    replies = fake_teams.wait_for_replies(before + 1, timeout=30)[before:]
    assert replies and replies[0].text.startswith("Nej") and "Källa:" in replies[0].text
    assert fake_teams.token_requests[-1].tenant == fake_teams.tenant_id
    [record] = records()
    assert record["channel"] == "msteams" and record["topic"] == "vanortsavtal"
    assert record["conversation_id"] == conversation_hash("29:1teams-user-A", lotsen.env["LOTSEN_HASH_KEY"].encode())
    assert "teams-user" not in str(record) and "c0ffee00" not in str(record)


def test_forged_or_missing_tokens_never_reach_the_bot(lotsen, fake_teams, records):
    activity = fake_teams.activity("Hej!")
    forged = fake_teams.auth_headers(activity, audience="someone-else")
    assert post(lotsen, fake_teams, activity, forged).status_code == 401
    assert post(lotsen, fake_teams, activity, {}).status_code == 401
    expired = fake_teams.auth_headers(activity, expires_in=-3600)
    assert post(lotsen, fake_teams, activity, expired).status_code == 401
    assert records() == []
