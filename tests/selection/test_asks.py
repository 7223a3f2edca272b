"""Reading what a question asks for (knowledge/asks.yml)."""
from __future__ import annotations

import pytest

from actions.settings import PROJECT_ROOT
from actions.selection.asks import AskReader


@pytest.fixture(scope="module")
def reader() -> AskReader:
    return AskReader.load(PROJECT_ROOT / "knowledge")


@pytest.mark.parametrize("text, ask", [
    ("Vem fattar beslut om internationella resor?", "who_decides"),
    ("vem bestämmer om vi får åka till Oslo", "who_decides"),
    ("Behöver vi ett beslut för det?", "who_decides"),
    ("Who decides that?", "who_decides"),
    ("Vilka internationella nätverk är staden med i?", "which"),
    ("Vem betalar resan?", "who_pays"),
    ("vem star for kostnaderna", "who_pays"),
    ("Sedan när?", "when"),
    ("Kan du ge ett exempel?", "example"),
    ("Varför tecknar staden inga vänortsavtal?", "why"),
    ("Hej! Vi funderar på en resa till Wien. Hur går vi till väga?", "how"),
    ("Vem hanterar förfrågningar om mottagningar?", "who_handles"),
    ("Hur många nätverk är staden med i?", "how_many"),
    ("Vad tyckte förvaltningen i remissvaret om kontaktpersonen?", "admin_view"),
    ("Vilka politiker sitter i beredningen?", "persons"),
    ("Vad heter vår kontaktperson?", "persons"),
    ("Vilket traktamente får jag i Tokyo?", "travel_admin"),
    ("Do we need a visa for the trip to Kenya?", "travel_admin"),
    ("Hur stor andel av budgeten får vi lägga på resor?", "cost"),
])
def test_specific_asks_are_read_inside_longer_messages(reader, text, ask):
    assert ask in reader.read(text).asks


@pytest.mark.parametrize("text, yes_no", [
    ("Får vi teckna ett vänortsavtal med Berlin?", True),
    ("Hej, kick-off workshop i Berlin, får vi åka?", True),
    ("Vi vill åka till Wien – är det ok?", True),
    ("Can we host a delegation from Shanghai?", True),
    ("Vad säger strategin om delegationsbesök?", False),
    ("Varför tecknar staden inga vänortsavtal?", False),
    ("Kan du ge ett exempel?", False),  # a request to Lotsen, not a yes/no question
    ("Vem fattar det?", False),
])
def test_yes_no_questions_are_told_from_other_forms(reader, text, yes_no):
    assert reader.read(text).yes_no is yes_no


def test_a_plain_topic_question_has_no_specific_ask(reader):
    assert reader.read("Får vi ta emot en delegation från Nairobi?").asks == ()


def test_english_is_recognised_but_swedish_with_english_words_is_not(reader):
    assert reader.is_english("Can we host a delegation from Shanghai next spring?")
    assert not reader.is_english("Hej, vi har en kick-off workshop i Berlin, får vi åka?")


def test_every_example_question_asks_only_what_its_entry_answers(reader):
    """An entry's example question with a specific ask the entry does not list would teach the entry
    choice one thing and the honest reply another: the question would get "not in the knowledge"."""
    from actions.knowledge import load_knowledge

    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    unanswered = [(entry.id, ask, question) for entry in kb.entries.values() for question in entry.questions
                  for ask in reader.read(question).strict if ask not in entry.asks]
    assert unanswered == []
