"""Teams end to end: signed activities from fake Bot Framework services reach
the trained bot, replies go back through the tenant's token, records say msteams.

The clicks are the activities Teams sends for the cards Lotsen sent: the
buttons' ``messageBack`` (text and value), and for the thumbs the plain
``Action.Submit`` value with the comment input (tests/channels/card_view.py).
"""
from __future__ import annotations

import uuid
from typing import Any, Optional

import requests

from actions.privacy import conversation_hash
from tests.channels.card_view import CardView, message_back, read_card, submitted_value

BERLIN = "Får vi teckna ett vänortsavtal med Berlin?"


def post(lotsen, fake, activity, headers):
    return requests.post(f"{lotsen.rasa_url}/webhooks/msteams/webhook", json=activity, headers=headers, timeout=30)


class Official:
    """One Teams user in a personal chat with Lotsen: types, clicks, reads the cards."""

    def __init__(self, lotsen, fake) -> None:
        self.lotsen, self.fake = lotsen, fake
        self.user_id = f"29:1teams-{uuid.uuid4().hex[:8]}"
        self.conversation_id = f"a:1{uuid.uuid4().hex}"

    def _send(self, text: Optional[str], value: Any = None) -> list[CardView]:
        activity = self.fake.activity(text, user_id=self.user_id, conversation_id=self.conversation_id)
        if value is not None:
            activity["value"] = value
        before = len(self.fake.replies)
        assert post(self.lotsen, self.fake, activity, self.fake.auth_headers(activity)).status_code == 200
        # The webhook answers once the turn is handled, so its replies have arrived.
        replies = [r for r in self.fake.replies[before:] if r.conversation_id == self.conversation_id]
        assert replies and all(r.card for r in replies), [r.activity for r in replies]
        return [read_card(r.card) for r in replies]

    def types(self, text: str) -> list[CardView]:
        return self._send(text)

    def clicks(self, card: CardView, title: str) -> list[CardView]:
        """A choice button: Teams' messageBack sends the payload as text, and its value."""
        text, value = message_back(card.button(title))
        return self._send(text, value)

    def votes(self, card: CardView, thumb: str, comment: Optional[str] = None) -> list[CardView]:
        """A thumb: plain Action.Submit, down through its comment card."""
        action = card.button(thumb)
        if action.kind == "showcard":
            inputs = {action.card.inputs[0]["id"]: comment} if comment else {}
            return self._send(None, submitted_value(action.card.actions[0], inputs))
        return self._send(None, submitted_value(action))


def said(cards: list[CardView]) -> str:
    return "\n".join(text for card in cards for text in card.texts)


def test_signed_activity_is_answered_and_recorded_as_msteams(lotsen, fake_teams, records):
    before = len(fake_teams.replies)
    activity = fake_teams.activity(BERLIN, user_id="29:1teams-user-A")
    assert post(lotsen, fake_teams, activity, fake_teams.auth_headers(activity)).status_code == 200
    replies = fake_teams.wait_for_replies(before + 1, timeout=30)[before:]
    assert replies and replies[0].text.startswith("Nej") and "Källa:" in replies[0].text
    assert fake_teams.token_requests[-1].tenant == fake_teams.tenant_id
    [record] = records()
    assert record["channel"] == "msteams" and record["topic"] == "vanortsavtal"
    assert record["conversation_id"] == conversation_hash("29:1teams-user-A", lotsen.env["LOTSEN_HASH_KEY"].encode())
    assert "teams-user" not in str(record) and "c0ffee00" not in str(record)


def test_an_answer_reads_as_verdict_list_and_source(lotsen, fake_teams, records):
    [answer, *_] = Official(lotsen, fake_teams).types(BERLIN)
    verdict, *rest = answer.lines
    assert verdict.startswith("text: Nej")
    items = [line for line in rest if line.startswith("item: ")]
    sources = [line for line in rest if line.startswith("muted: Källa: ")]
    assert len(items) >= 2 and len(sources) == 1
    assert rest.index(sources[0]) > rest.index(items[-1])
    assert "muted: Hjälpte svaret?" in answer.lines and answer.button("👍 Ja")


def test_thumbs_down_with_a_comment_lands_on_the_answers_record(lotsen, fake_teams, records):
    official = Official(lotsen, fake_teams)
    [answer, *_] = official.types(BERLIN)
    thanks = official.votes(answer, "👎 Nej", 'Svaret nämner inte "Berlin"}')
    assert said(thanks)  # Lotsen thanks, as in the widget
    [record] = records()  # the feedback is on the answer's record, not a second one
    assert record["feedback"] == "down"
    assert record["feedback_comment"] == 'Svaret nämner inte "Berlin"}'

    official.votes(answer, "👍 Ja")
    [record] = records()
    assert record["feedback"] == "up"


def test_the_assessment_runs_to_its_memo_by_clicking(lotsen, fake_teams, records, assessments):
    official = Official(lotsen, fake_teams)
    first = official.types("Kan vi ta emot en delegation från Kenya i mars?")
    offer = next(card for card in first if any(a.title == "Ja" for a in card.actions))

    assert "syftet" in said(official.clicks(offer, "Ja"))
    [directions] = official.types("Vi vill lära oss om deras arbete med äldreomsorg")
    assert "inriktningar" in said([directions])
    assert "verksamhet" in said(official.clicks(directions, "Samverkan"))
    [department] = official.types("Hemtjänsten")
    [financing] = official.clicks(department, "Stadsledningskontoret")
    assert "betalar" in said([financing])
    summary, memo = official.clicks(financing, "Motparten")

    assert summary.lines[0] == "text: Bedömning av ert fall: Delegationsbesök – Kenya"
    sections = "\n".join(memo.lines).split("\n---\n")
    assert sections[0] == "heading: Text att klistra in i beslutsunderlaget:"
    assert sections[1].startswith("text: Ärende: Delegationsbesök – Kenya")
    assert sections[2].startswith("heading: Källor:\nitem: ")
    [record] = records()
    assert record["department"] == "Stadsledningskontoret"
    case = assessments(record["id"])
    assert case["completed"] and case["financing"] == "counterpart"


def start_the_form(official: Official) -> tuple[CardView, CardView]:
    """A principle answer, then a delegation question whose offer is accepted by a click."""
    [old_answer, *_] = official.types(BERLIN)
    first = official.types("Kan vi ta emot en delegation från Kenya i mars?")
    offer = next(card for card in first if any(a.title == "Ja" for a in card.actions))
    assert "syftet" in said(official.clicks(offer, "Ja"))
    return old_answer, offer


def test_a_click_on_an_old_card_does_not_break_the_form(lotsen, fake_teams, records, assessments):
    official = Official(lotsen, fake_teams)
    _, offer = start_the_form(official)

    again = said(official.clicks(offer, "Nej"))  # the offer once more, while the form asks
    assert again.startswith("Den knappen hör till ett tidigare meddelande.")
    [directions] = official.types("Vi vill lära oss om deras arbete med äldreomsorg")
    assert "inriktningar" in said([directions]), "the form goes on from its question"
    assert said(official.clicks(offer, "Ja")).startswith("Den knappen hör till")
    assert "verksamhet" in said(official.clicks(directions, "Samverkan"))
    assert said(official.clicks(directions, "Påverkan")).startswith("Den knappen hör till")
    case = assessments(records()[1]["id"])
    assert case is None or case["purpose"] == "Vi vill lära oss om deras arbete med äldreomsorg"


def test_thumbs_on_an_earlier_answer_during_the_form(lotsen, fake_teams, records):
    official = Official(lotsen, fake_teams)
    old_answer, _ = start_the_form(official)
    after = said(official.votes(old_answer, "👍 Ja"))
    assert "syftet" in after and "inriktningar" not in after, "the form asks its question again"
    assert records()[0]["feedback"] == "up"


def test_forged_or_missing_tokens_never_reach_the_bot(lotsen, fake_teams, records):
    activity = fake_teams.activity("Hej!")
    forged = fake_teams.auth_headers(activity, audience="someone-else")
    assert post(lotsen, fake_teams, activity, forged).status_code == 401
    assert post(lotsen, fake_teams, activity, {}).status_code == 401
    expired = fake_teams.auth_headers(activity, expires_in=-3600)
    assert post(lotsen, fake_teams, activity, expired).status_code == 401
    assert records() == []
