"""What an official sees of Lotsen's answers in Teams, and what a click sends.

The composed texts are the real ones (``actions/answering.py`` and the
assessment guide over ``knowledge/``), so a change in how answers are
composed shows here; the cards are read by :mod:`tests.channels.card_view`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from actions.answering import Presentation, compose_entry
from actions.assessment import AssessmentGuide, Case
from actions.feedback_action import MAX_COMMENT_LENGTH as ACTIONS_MAX_COMMENT
from actions.knowledge import load_knowledge
from channels import teams_format
from channels.teams_format import (
    CARD_VERSION,
    Reply,
    Wording,
    adaptive_card,
    feedback_message,
    is_answer,
    message_content,
    parse,
    read_incoming,
    text_of_submit,
)
from tests.channels.card_view import message_back, read_card, submitted_value

ROOT = Path(__file__).resolve().parents[2]
WIDGET_SOURCE = ROOT / "widget" / "src"
HOSTILE = "**fet** _kursiv_ [länk](https://evil.example) <at>x</at> ${cardData} \\\\ \"citat\" `kod` # rubrik"


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="module")
def presentation() -> Presentation:
    return Presentation.load(ROOT / "knowledge")


def twinning_answer(knowledge, presentation) -> tuple[str, object]:
    entry = next(e for e in knowledge.by_topic["vanortsavtal"] if e.primary)
    return compose_entry(entry, None, presentation), entry


def test_a_principle_answer_reads_verdict_conditions_source(knowledge, presentation) -> None:
    text, entry = twinning_answer(knowledge, presentation)
    assert entry.conditions, "the twinning entry has conditions to show as a list"

    view = read_card(adaptive_card(Reply(text, feedback=True)))

    verdict, *rest = view.lines
    assert verdict == f"text: {text.splitlines()[0]}" and entry.answer in verdict
    items = [line for line in rest if line.startswith("item: ")]
    assert items == [f"item: {c}" for c in entry.conditions], "each condition its own list item"
    source = next(line for line in rest if "Källa:" in line)
    assert source.startswith("muted: Källa: ") and entry.source.title in source
    assert rest.index(source) > rest.index(items[-1]), "the source comes after the conditions"
    assert "•" not in " ".join(view.texts), "the bullet is the list's, not the text's"


def test_the_card_is_teams_adaptive_card_with_plain_fallback(knowledge, presentation) -> None:
    text, _ = twinning_answer(knowledge, presentation)
    content = message_content(Reply(text))
    [attachment] = content["attachments"]
    card = attachment["content"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["version"] == CARD_VERSION == "1.2"  # what Teams renders on every client
    assert card["fallbackText"] == text  # notifications, screen readers, clients without cards
    assert content["summary"] == text.splitlines()[0]
    json.dumps(card)  # plain JSON all the way down


def test_answer_gets_thumbs_and_down_opens_an_optional_comment(knowledge, presentation) -> None:
    text, _ = twinning_answer(knowledge, presentation)
    view = read_card(adaptive_card(Reply(text, feedback=True, record_id="rec-1")))

    assert "muted: Hjälpte svaret?" in view.lines
    up, down = view.actions
    assert (up.kind, up.title, down.kind, down.title) == ("submit", "👍 Ja", "showcard", "👎 Nej")
    assert down.card is not None
    [comment] = down.card.inputs
    assert comment["isMultiline"] and comment["maxLength"] == ACTIONS_MAX_COMMENT
    assert down.card.texts[0].startswith("Vad var fel eller saknades?")
    [send] = down.card.actions
    assert send.title == "Skicka återkoppling"

    assert text_of_submit(submitted_value(up), "") == '/feedback{"feedback_value":"up","record_id":"rec-1"}'
    value = submitted_value(send, {comment["id"]: "Saknar  info\nom Berlin"})
    assert text_of_submit(value, "") == (
        '/feedback{"feedback_value":"down","record_id":"rec-1","feedback_comment":"Saknar info om Berlin"}'
    )
    assert text_of_submit(submitted_value(send), "") == '/feedback{"feedback_value":"down","record_id":"rec-1"}'


def test_feedback_message_is_the_widgets() -> None:
    """The widget sends ``/feedback`` + JSON.stringify({feedback_value, record_id, feedback_comment})."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in WIDGET_SOURCE.glob("*.js"))
    assert "`/feedback${JSON.stringify(entities)}`" in source
    assert "{ feedback_value: value, record_id: recordId }" in source
    assert "entities.feedback_comment = comment" in source
    message = feedback_message("down", "abc-1", 'Fel: "Berlin"}')
    assert message == '/feedback{"feedback_value":"down","record_id":"abc-1","feedback_comment":"Fel: \\"Berlin\\"}"}'
    assert json.loads(message.removeprefix("/feedback"))["feedback_comment"] == 'Fel: "Berlin"}'
    long = feedback_message("down", None, "å" * 5000)
    assert len(json.loads(long.removeprefix("/feedback"))["feedback_comment"]) == ACTIONS_MAX_COMMENT
    assert teams_format.MAX_COMMENT_LENGTH == ACTIONS_MAX_COMMENT


def test_without_a_known_record_the_thumbs_mean_the_last_answer() -> None:
    view = read_card(adaptive_card(Reply("Svar\nKälla: X", feedback=True)))
    up = view.actions[0]
    assert text_of_submit(submitted_value(up), "") == '/feedback{"feedback_value":"up"}'
    bad = {**submitted_value(up), "lotsen_record_id": "../../etc"}
    assert text_of_submit(bad, "") == '/feedback{"feedback_value":"up"}'


def test_the_assessment_memo_keeps_its_sections(knowledge) -> None:
    guide = AssessmentGuide.load(ROOT / "knowledge", knowledge)
    case = Case(engagement_type="delegation", counterpart="Kenya", purpose="Lära oss om hemtjänst",
                directions=["Samverkan"], operation="Hemtjänsten", department="Äldreförvaltningen",
                planned_date="2027-03", planned_date_text="mars 2027", financing="counterpart",
                financing_text="Motparten betalar")
    result = guide.assess(case)
    memo = guide.memo(case, result)
    layout = guide.data["layout"]

    view = read_card(adaptive_card(Reply(memo)))

    sections = "\n".join(view.lines).split("\n---\n")
    assert len(sections) == memo.count("\n\n") + 1 == 3, "intro, the memo itself, its sources"
    assert sections[0] == f"heading: {layout['memo_intro']}"
    memo_lines = sections[1].splitlines()
    assert memo_lines[0].startswith("text: Ärende: ") and memo_lines[1].startswith("text: Verksamhet: ")
    assert any(line.startswith("item: ") for line in memo_lines)
    sources = sections[2].splitlines()
    assert sources[0] == f"heading: {layout['memo_sources']}"
    assert sources[1:] and all(line.startswith("item: ") for line in sources[1:])
    summary = read_card(adaptive_card(Reply(guide.summary(case, result))))
    assert any(line.startswith("heading: ") for line in summary.lines)  # "Det här behöver finnas på plats:"


def test_text_from_knowledge_or_an_official_is_never_markup() -> None:
    text = f"{HOSTILE}\n• {HOSTILE}\nKälla: {HOSTILE}"
    card = adaptive_card(Reply(text, buttons=({"title": HOSTILE, "payload": "/affirm"},), feedback=True))

    blocks = json.dumps(card)
    assert '"TextBlock"' not in blocks, "TextBlock reads Markdown; every text is a TextRun"
    view = read_card(card)
    assert view.lines[:3] == [f"text: {HOSTILE}", f"item: {HOSTILE}", f"muted: Källa: {HOSTILE}"]
    assert view.actions[0].title == HOSTILE and view.actions[0].data["lotsen_payload"] == "/affirm"
    assert card["fallbackText"] == text


def test_unknown_layout_still_reads_line_by_line() -> None:
    """A new leading line, a heading of its own, an answer with one condition."""
    text = "Det finns inget svar på just det i kunskapsbasen.\nNärmast är detta:\nSvaret.\n• Villkor\nKälla: K."
    view = read_card(adaptive_card(Reply(text)))
    assert view.lines == [
        "text: Det finns inget svar på just det i kunskapsbasen.",
        "heading: Närmast är detta:",
        "text: Svaret.",
        "item: Villkor",
        "muted: Källa: K.",
    ]
    assert is_answer(text) and not is_answer("Hej! Vad vill du veta?")
    assert parse("   ") == []


FOLLOWUPS = (
    {"title": "Vänortsavtal med Berlin", "payload": '/followup_choice{"entry_id": "vanortsavtal.inga-nya"}'},
    {"title": "Ja", "payload": "/affirm"},
    {"title": "Profilering", "payload": "Profilering"},
    {"title": "Läs strategin", "url": "https://start.stockholm/strategi"},
)


@pytest.mark.parametrize("button", FOLLOWUPS[:3], ids=lambda b: b["title"])
def test_a_click_is_the_same_message_as_a_typed_choice(button) -> None:
    view = read_card(adaptive_card(Reply("Välj:", buttons=(button,))))
    [action] = view.actions
    assert action.title == button["title"]
    typed = button["payload"]  # what the widget or a typed choice sends
    text, value = message_back(action)
    assert text_of_submit(value, text) == typed, "Teams' messageBack"
    assert text_of_submit(submitted_value(action), "") == typed, "a client with plain Action.Submit"


def test_link_buttons_open_the_link_and_long_choices_get_a_row_each() -> None:
    card = adaptive_card(Reply("Välj:", buttons=FOLLOWUPS))
    rows = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert [len(r["actions"]) for r in rows] == [1, 1, 1, 1]
    link = read_card(card).button("Läs strategin")
    assert (link.kind, link.url) == ("url", "https://start.stockholm/strategi")
    short = adaptive_card(Reply("Vill du att vi går igenom ert fall?",
                                buttons=({"title": "Ja", "payload": "/affirm"}, {"title": "Nej", "payload": "/deny"})))
    assert [len(e["actions"]) for e in short["body"] if e["type"] == "ActionSet"] == [2]


def test_clicks_on_older_cards_and_foreign_values() -> None:
    assert text_of_submit({"payload": "/affirm"}, "") == "/affirm", "hero card of an earlier version"
    assert text_of_submit({"payload": "/affirm"}, "/affirm") == "/affirm"
    assert text_of_submit(None, "Hej") == "Hej"
    assert text_of_submit({"something": "else"}, "Hej") == "Hej"
    assert text_of_submit({"lotsen_feedback": "sideways"}, "") == ""
    assert text_of_submit(["not", "a", "dict"], "Hej") == "Hej"


def test_wording_comes_from_the_yaml_beside_the_channel(tmp_path) -> None:
    data = yaml.safe_load(teams_format.TEXT_FILE.read_text(encoding="utf-8"))
    assert Wording.load().feedback_question == data["feedback"]["question"]
    data["feedback"]["question"] = "Var svaret till hjälp?"
    changed = tmp_path / "teams_text.yml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    view = read_card(adaptive_card(Reply("Svar\nKälla: X", feedback=True), Wording.load(changed)))
    assert "muted: Var svaret till hjälp?" in view.lines
    del data["feedback"]
    changed.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(teams_format.FormatError, match="teams_text.yml"):
        Wording.load(changed)


def test_python_holds_no_swedish_wording() -> None:
    """User-facing words live in teams_text.yml, not in the formatter."""
    source = (ROOT / "channels" / "teams_format.py").read_text(encoding="utf-8")
    code = re.sub(r'"""[\s\S]*?"""|#.*', "", source)
    assert not re.search(r"[åäöÅÄÖ]", code)


def test_choices_carry_the_message_they_answered_and_thumbs_do_not() -> None:
    card = adaptive_card(Reply("Svar\nKälla: X", buttons=({"title": "Ja", "payload": "/affirm"},),
                               feedback=True, stamp="activity-7"))
    view = read_card(card)
    choice = read_incoming(submitted_value(view.button("Ja")), "")
    assert (choice.text, choice.choice, choice.stamp) == ("/affirm", True, "activity-7")
    text, value = message_back(view.button("Ja"))
    assert read_incoming(value, text) == choice
    thumb = read_incoming(submitted_value(view.button("👍 Ja")), "")
    assert not thumb.choice and thumb.stamp is None
    legacy = read_incoming({"payload": "/affirm"}, "/affirm")
    assert legacy.choice and legacy.stamp is None
    assert not read_incoming(None, "ja").choice


def test_an_honest_no_answer_reads_as_sections(knowledge, presentation) -> None:
    """compose_reply's layout when no entry answers the ask: notice, lead-in, the nearest entry, where to turn."""
    entry_text, entry = twinning_answer(knowledge, presentation)
    text = "\n\n".join([presentation.no_answer.format(ask=""), presentation.nearest, entry_text,
                        presentation.where_to_turn])
    view = read_card(adaptive_card(Reply(text, feedback=True)))
    sections = "\n".join(view.lines).split("\n---\n")
    assert sections[0] == f"text: {presentation.no_answer.format(ask='')}"
    assert sections[1] == f"heading: {presentation.nearest}"
    assert sections[2].splitlines()[0] == f"text: {entry_text.splitlines()[0]}"
    assert f"item: {entry.conditions[0]}" in sections[2] and "muted: Källa: " in sections[2]
    assert sections[3].startswith(f"text: {presentation.where_to_turn}")
