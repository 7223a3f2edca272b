"""Lotsen end to end: the trained model, Rasa's REST channel, the real action
server and the records database, as `make run` starts them."""
from __future__ import annotations

from actions.privacy import conversation_hash


def test_twinning_question_from_the_readme(lotsen, records):
    replies = lotsen.ask("a", "Får vi teckna ett vänortsavtal med Berlin?")
    text = "\n".join(r.get("text", "") for r in replies)
    assert text.startswith("Nej")
    assert "vänortsavtal" in text and "Källa:" in text
    [record] = records()
    assert (record["topic"], record["counterpart"], record["channel"]) == ("vanortsavtal", "Berlin", "rest")
    assert record["conversation_id"] == conversation_hash("a", lotsen.env["LOTSEN_HASH_KEY"].encode())


def test_each_message_is_one_record_and_department_metadata_is_kept(lotsen, records):
    lotsen.ask("b", "Hej!", metadata={"department": "Miljöförvaltningen"})
    replies = lotsen.ask("b", "kan vi ta emot en delegation fran Kenya i mars?",
                         metadata={"department": "Miljöförvaltningen"})
    assert "Källa:" in replies[0]["text"]
    new = records()
    assert [r["topic"] for r in new] == ["smalltalk", "delegationsbesok"]
    assert new[1]["counterpart"] == "Kenya" and new[1]["counterpart_type"] == "country"
    assert {r["department"] for r in new} == {"Miljöförvaltningen"}


def test_out_of_scope_says_what_lotsen_covers(lotsen, records):
    replies = lotsen.ask("c", "Hur fyller jag i min tidrapport?")
    assert "internationella" in replies[0]["text"]
    assert records()[0]["outcome"] == "out_of_scope"


def test_clarification_buttons_and_feedback_update_the_same_record(lotsen, records):
    replies = lotsen.ask("d", "/nlu_fallback")
    lotsen.ask("d", "Får vi söka EU-medel?")
    replies = lotsen.ask("d", '/feedback{"feedback_value": "up"}')
    assert replies and "Tack" in replies[0]["text"]
    new = records()
    assert len(new) == 2 and new[-1]["feedback"] == "up"
