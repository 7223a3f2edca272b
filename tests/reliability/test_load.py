"""Load at CI size (make load is the full 50 users × 40 messages): concurrent
officials in real multi-turn conversations over REST and socket.io get an
answer to every message, and every question is exactly one engagement record,
follow-ups answered in their conversation's context."""
from __future__ import annotations

import functools

import pytest

from evaluation.load import rest_channel, run_conversations
from evaluation.load_records import check_records
from evaluation.load_socketio import socketio_channel

USERS = 10
MESSAGES = 10


@pytest.mark.parametrize("channel", ["rest", "socketio"])
def test_concurrent_conversations_lose_and_double_no_record(lotsen, channel):
    open_channel = functools.partial(rest_channel if channel == "rest" else socketio_channel, lotsen.rasa_url)
    run = run_conversations(open_channel, channel, USERS, MESSAGES, tag=f"ci-load-{channel}")

    turns = [t for c in run.conversations for t in c.turns]
    assert len(turns) == USERS * MESSAGES
    assert [t.text for t in turns if not t.ok] == []
    check = check_records(lotsen.db_url, lotsen.env["LOTSEN_HASH_KEY"], run.conversations)
    assert check.followups_checked > 0, "no follow-up to an answer was played: the context check would be empty"
    assert check.missing == []
    assert check.duplicates == []
    assert check.lost_context == []
    assert check.found == check.expected > 0
