"""A long conversation (300 messages here; `make hostile-long` sends 3,000):
every message is answered without an error, and the server still answers a
new conversation afterwards."""
from __future__ import annotations

from tests.hostile.conftest import answers_normally
from tests.hostile.long_conversation import run

CI_MESSAGES = 300


def test_hundreds_of_messages_in_one_conversation_are_all_answered(lotsen):
    result = run(lotsen, CI_MESSAGES, "hostile-long-ci")
    assert (result.messages, result.errors) == (CI_MESSAGES, 0), result.error_examples
    assert answers_normally(lotsen, "hostile-long-ci-after")
