"""Multi-turn flows end to end over REST with the trained model: the guided
assessment, cancelling, re-prompts, help inside the form, and follow-ups
that reuse the conversation's context."""
from __future__ import annotations

import uuid

from tests.support.servers import Lotsen


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons(replies: list[dict]) -> list[str]:
    return [b["title"] for r in replies for b in r.get("buttons", [])]


def test_delegation_assessment_from_question_to_memo(lotsen: Lotsen, records, assessments):
    sender = f"flow-{uuid.uuid4()}"
    first = lotsen.ask(sender, "Kan vi ta emot en delegation från Kenya i mars?")
    assert "Källa:" in texts(first)
    assert "Vill du att vi går igenom ert fall?" in texts(first) and buttons(first)[-2:] == ["Ja", "Nej"]
    # counterpart and date are pre-filled from the question, so the form starts at the purpose
    assert "syftet" in texts(lotsen.ask(sender, "/affirm"))
    assert "inriktningar" in texts(lotsen.ask(sender, "Vi vill lära oss om deras arbete med äldreomsorg"))
    assert "verksamhet" in texts(lotsen.ask(sender, "Samverkan"))
    assert "förvaltning" in texts(lotsen.ask(sender, "Hemtjänsten"))
    assert "betalar" in texts(lotsen.ask(sender, "Äldreförvaltningen"))
    final = texts(lotsen.ask(sender, "Delegationen betalar själv"))
    assert "Bedömning av ert fall: Delegationsbesök – Kenya" in final
    assert "Text att klistra in i beslutsunderlaget" in final and "Källor:" in final
    [record] = records()
    assert (record["topic"], record["counterpart"], record["department"]) == ("delegationsbesok", "Kenya", "Äldreförvaltningen")
    case = assessments(record["id"])
    assert case["engagement_type"] == "delegation" and case["planned_date"] == "2027-03"
    assert case["verdict"] == "conditional" and case["completed"]


def test_agreement_assessment_with_a_wrong_date_reprompted(lotsen: Lotsen, records, assessments):
    sender = f"flow-{uuid.uuid4()}"
    lotsen.ask(sender, "Får vi teckna ett samarbetsavtal med Helsingfors om kollektivtrafik?",
               metadata={"department": "Trafikkontoret"})
    lotsen.ask(sender, "/affirm")
    lotsen.ask(sender, "Utbyta erfarenheter om elbussar")
    lotsen.ask(sender, "samverkan och omvärldsbevakning")
    reply = texts(lotsen.ask(sender, "Busstrafiken"))
    assert "När är det planerat" in reply  # department came from the channel, so it is not asked
    reprompt = texts(lotsen.ask(sender, "snart tror jag"))
    assert "Jag förstod inte datumet, skriv t.ex. 15 mars" in reprompt
    assert "betalar" in texts(lotsen.ask(sender, "15 april"))
    final = texts(lotsen.ask(sender, "Vi betalar själva med egen budget"))
    assert "Samarbetsavtal – Helsingfors" in final and "nordisk" in final
    [record] = records()
    assert record["department"] == "Trafikkontoret"
    case = assessments(record["id"])
    assert case["planned_date"].endswith("-04-15") and case["financing"] == "own"


def test_cancel_midway_keeps_what_was_said(lotsen: Lotsen, records, assessments):
    sender = f"flow-{uuid.uuid4()}"
    lotsen.ask(sender, "Får vi ta emot en delegation från Vietnam?")
    lotsen.ask(sender, "/affirm")
    lotsen.ask(sender, "Visa vår avfallssortering")
    cancelled = texts(lotsen.ask(sender, "avbryt"))
    assert "avbryter" in cancelled and "sparat" in cancelled
    [record] = records()
    case = assessments(record["id"])
    assert case["purpose"] == "Visa vår avfallssortering" and not case["completed"]
    after = lotsen.ask(sender, "Får vi söka EU-medel?")
    assert "Källa:" in texts(after)
    assert len(records()) == 2


def test_help_inside_the_form_explains_and_the_form_goes_on(lotsen: Lotsen, records):
    sender = f"flow-{uuid.uuid4()}"
    lotsen.ask(sender, "Kan vi ta emot en delegation från Brasilien?")
    lotsen.ask(sender, "/affirm")
    helped = texts(lotsen.ask(sender, "hjälp"))
    assert "avbryt" in helped and "syftet" in helped  # explains, then asks the same question again
    assert "inriktningar" in texts(lotsen.ask(sender, "Se hur de organiserar skolmaten"))


def test_follow_up_with_a_new_counterpart_answers_the_same_topic(lotsen: Lotsen, records):
    sender = f"flow-{uuid.uuid4()}"
    lotsen.ask(sender, "Får vi teckna ett vänortsavtal med Berlin?")
    lotsen.ask(sender, "/deny")
    reply = texts(lotsen.ask(sender, "och om det är Oslo i stället?"))
    assert reply.startswith("Nej") and "Oslo" in reply
    topics = [(r["topic"], r["counterpart"]) for r in records()]
    assert topics == [("vanortsavtal", "Berlin"), ("vanortsavtal", "Oslo")]


def test_who_decides_after_a_delegation_answer_is_about_that_delegation(lotsen: Lotsen, records):
    sender = f"flow-{uuid.uuid4()}"
    lotsen.ask(sender, "Kan vi ta emot en delegation från Kenya?")
    reply = texts(lotsen.ask(sender, "vem bestämmer det?"))
    assert "delegationsordning" in reply and "Källa:" in reply  # who decides, not who represents
    new = records()
    assert [r["topic"] for r in new] == ["delegationsbesok", "mandat_beslut"]
    assert new[1]["principle_ids"][0] == "mandat_beslut.vem-beslutar"
    assert new[1]["from_context"] and new[1]["counterpart"] == "Kenya"
