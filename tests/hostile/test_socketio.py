"""The hostile corpus over socket.io (the widget's channel), with
python-socketio's client against the running Rasa: every message is answered,
one over the limit first hears it was too long and is stored truncated; broken
payloads and garbage on the transport are ignored or refused, never a 5xx,
and the server still answers afterwards."""
from __future__ import annotations

from typing import Iterator

import pytest
import requests

from tests.hostile.conftest import NORMAL_QUESTION, check_answer_and_records, records_of
from tests.hostile.corpus import messages
from tests.hostile.socketio_client import SocketIOUser


@pytest.fixture
def user(lotsen) -> Iterator[SocketIOUser]:
    client = SocketIOUser(lotsen.rasa_url)
    try:
        yield client
    finally:
        client.close()


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if isinstance(r, dict) and r.get("text")]


def answers_normally(user: SocketIOUser, session_id: str) -> bool:
    assert user.session(session_id) == session_id
    return any("Källa:" in t for t in texts(user.say(NORMAL_QUESTION, session_id)))


def test_every_corpus_message_is_answered_over_socketio(lotsen, user):
    for i, message in enumerate(messages()):
        session_id = f"hostile-sio-{i}"
        assert user.session(session_id) == session_id
        said = texts(user.say(message.text, session_id))
        check_answer_and_records(message, said, records_of(lotsen, session_id), "socketio")
    assert answers_normally(user, "hostile-sio-after")


BROKEN_PAYLOADS = [
    "just a string", ["a", "list"], 42, None, True,
    {"message": 42, "session_id": "hostile-sio-broken"},
    {"message": {"text": "Hej"}, "session_id": "hostile-sio-broken"},
    {"message": "Hej, utan session"},
    {"message": "Hej", "session_id": ""},
    {"message": "Hej", "session_id": ["hostile-sio-broken"]},
    {"message": "Hej", "session_id": "hostile-sio-broken", "metadata": "{not json"},
    {"message": "Hej", "session_id": "hostile-sio-broken", "metadata": [1, 2, 3]},
    {"message": "Hej", "session_id": "hostile-sio-broken", "metadata": {"a": [[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]}},
]


def test_broken_payloads_are_ignored_and_the_server_still_answers(lotsen, user):
    for session_id in ("x" * 100_000, "", 42, None, ["a"]):
        confirmed = user.session(session_id)
        assert isinstance(confirmed, str) and 0 < len(confirmed) <= 128, f"{str(session_id)[:40]}: a usable id"
    for data in ("not a dict", 42, None):  # confirmed with a new id, or ignored
        user.request_session(data, timeout=5)
    assert user.session("hostile-sio-broken") == "hostile-sio-broken"
    for payload in BROKEN_PAYLOADS:
        user.emit("user_uttered", payload)
    user.emit("no_such_event", {"message": "Hej"})
    user.collect(timeout=5)  # whatever the broken payloads caused, before the check below
    assert answers_normally(user, "hostile-sio-after-broken")


def test_garbage_on_the_transport_is_refused_without_5xx(lotsen, user):
    base = f"{lotsen.rasa_url}/socket.io/"
    attempts = [
        ("get", {"EIO": "9", "transport": "polling"}, None),
        ("get", {"EIO": "4", "transport": "carrier-pigeon"}, None),
        ("get", {"EIO": "4", "transport": "polling", "sid": "no-such-session"}, None),
        ("post", {"EIO": "4", "transport": "polling", "sid": "no-such-session"}, b"\xff\xfe garbage"),
        ("post", {"EIO": "4", "transport": "polling"}, b"4" + b"x" * 100_000),
    ]
    for method, params, body in attempts:
        response = requests.request(method, base, params=params, data=body, timeout=30)
        assert response.status_code < 500, (params, response.status_code)
    assert answers_normally(user, "hostile-sio-after-garbage")
