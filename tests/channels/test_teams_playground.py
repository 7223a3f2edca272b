"""Lotsen in Microsoft 365 Agents Playground, Microsoft's local Teams client.

A real Lotsen (the suite's trained model, the action server, the Teams
connector with ``LOTSEN_TEAMS_AUTH_DISABLED=true`` as docs/teams.md, section 5
describes) behind the pinned Playground (teams/playground/), driven in
headless Debian Chromium as a person would: what the page shows is checked,
not the protocol (that is tests/test_teams_end_to_end.py, with signed
activities against the fake Bot Framework).

The Playground 0.2.28 cannot deliver clicks on ``Action.Submit`` buttons whose
data carries ``msteams`` (``messageBack`` or ``imBack``): the page throws
"Cannot add property msTeams, object is not extensible" and sends nothing.
The offer's test checks that this is still so, then types the choice.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import pytest

from actions.records import RecordStore, create_engine
from tests.channels.playground_page import PlaygroundPage, playground_page
from tests.support.browser import ARTIFACTS
from tests.support.playground import Playground, running_playground
from tests.support.servers import Lotsen, running_lotsen

BERLIN = "Får vi teckna ett vänortsavtal med Berlin?"
OFFER = "Vill du att vi går igenom ert fall?"
THUMBS_DOWN, SEND_COMMENT = "👎 Nej", "Skicka återkoppling"
MESSAGE_BACK_DROPPED = "Cannot add property msTeams"
SCREENSHOT = ARTIFACTS / "teams-playground-answer.png"


@dataclass
class Chat:
    lotsen: Lotsen
    playground: Playground
    page: PlaygroundPage
    answer: int  # index of the card with the answer to BERLIN
    offer: int  # index of the assessment offer after it


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    """Lotsen and the Playground; BERLIN typed in the chat box, its answer shown."""
    workdir = tmp_path_factory.mktemp("teams-playground")
    development = {"LOTSEN_TEAMS_AUTH_DISABLED": "true"}  # TEAMS_* stay empty (lotsen_env)
    with running_lotsen(workdir, f"sqlite:///{workdir / 'engagements.db'}", extra_env=development) as lotsen, \
            running_playground(f"{lotsen.rasa_url}/webhooks/msteams/webhook", workdir / "playground") as playground, \
            playground_page() as page:
        page.goto(f"{playground.url}/")
        page.send(BERLIN)
        answer = page.wait_for_card("Hjälpte svaret?")
        offer = page.wait_for_card(OFFER, after=answer + 1)
        yield Chat(lotsen, playground, page, answer, offer)


def records(lotsen: Lotsen) -> list[dict]:
    return RecordStore(create_engine(lotsen.db_url)).all()


def test_the_answer_shows_verdict_list_items_and_source_line(chat: Chat) -> None:
    blocks = chat.page.text_blocks(chat.answer)
    chat.page.screenshot(SCREENSHOT, full_page=False)
    texts = [block["text"] for block in blocks]
    verdict = blocks[0]
    assert verdict["text"].startswith("Nej. Stockholms stad tecknar inga vänortsavtal"), texts
    # Each condition: a "•" block and its own text block beside it, one below the other.
    items = [blocks[i + 1] for i, block in enumerate(blocks[:-1]) if block["text"] == "•"]
    assert len(items) >= 2, texts
    for above, below in zip([verdict, *items], items):
        assert below["top"] >= above["bottom"], f"{below['text']!r} is not below {above['text']!r}"
        assert "•" not in below["text"] and "Källa" not in below["text"]
    [source] = [block for block in blocks if block["text"].startswith("Källa: ")]
    assert source["top"] >= items[-1]["bottom"], "the source comes after the list"
    assert source["left"] < items[-1]["left"], "the source is a line of its own, not a list item"
    assert "Källa" not in verdict["text"] and "•" not in verdict["text"], "verdict, list and source are one paragraph"


def test_thumbs_down_sets_the_answers_feedback(chat: Chat) -> None:
    [answered] = [r for r in records(chat.lotsen) if r["topic"] == "vanortsavtal"]
    assert answered["channel"] == "msteams" and answered["feedback"] is None
    chat.page.click_button(chat.answer, THUMBS_DOWN)  # opens the comment (Action.ShowCard)
    chat.page.fill_in_card(chat.answer, "Källan är från 2016")
    shown = len(chat.page.card_texts())
    chat.page.click_button(chat.answer, SEND_COMMENT)  # a plain Action.Submit
    thanks = chat.page.wait_for_new_card(shown)  # Lotsen answers once the feedback is stored
    assert chat.page.card_texts()[thanks].startswith("Tack"), chat.page.card_texts()[thanks:]
    [record] = [r for r in records(chat.lotsen) if r["id"] == answered["id"]]
    assert record["feedback"] == "down" and record["feedback_comment"] == "Källan är från 2016"
    assert len(records(chat.lotsen)) == 1, "the feedback is on the answer's record, not a second one"


def test_the_offer_starts_the_form_when_the_choice_is_typed(chat: Chat) -> None:
    page = chat.page
    page.console_errors()  # only what the click logs counts
    page.click_button(chat.offer, "Ja")
    errors = page.wait_for_console_error(MESSAGE_BACK_DROPPED)
    assert errors, (
        "The Playground now delivers clicks on Action.Submit with msteams messageBack data: "
        "click the offer here instead of typing, and update docs/teams.md, section 5"
    )
    shown = len(page.card_texts())
    page.send("ja")
    first_question = page.wait_for_new_card(shown)
    page.wait_for_card("syftet", after=first_question)
