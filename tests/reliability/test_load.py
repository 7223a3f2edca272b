"""Load at CI size (make load is the full 50 users × 40 messages): concurrent
officials in real multi-turn conversations over REST and socket.io get an
answer to every message, and every question is exactly one engagement record,
follow-ups answered in their conversation's context."""
from __future__ import annotations

import pytest

from evaluation.reliability_load import run_channel

USERS = 10
MESSAGES = 10


@pytest.mark.parametrize("channel", ["rest", "socketio"])
def test_concurrent_conversations_lose_and_double_no_record(lotsen, channel):
    report = run_channel(lotsen.rasa_url, channel, USERS, MESSAGES, lotsen.db_url, lotsen.env["LOTSEN_HASH_KEY"])

    assert report.messages == USERS * MESSAGES
    assert report.errors == 0
    assert report.missing == []
    assert report.duplicates == []
    assert report.lost_context == []
    assert report.records_found == report.records_expected > 0
    assert report.followups_checked > 0, "no follow-up to an answer was played: the context check would be empty"
