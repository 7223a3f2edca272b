"""Choosing the entry that answers the question, with the real knowledge base and
NLU's topic probabilities given (what NLU would say is not under test here: the
end-to-end tests run the trained model)."""
from __future__ import annotations

import pytest

from actions.answering import Presentation, compose_reply
from actions.counterparts import Gazetteer
from actions.knowledge import load_knowledge
from actions.runtime import build_selector
from actions.selection.context import Context
from actions.selection.plan import plan_reply
from actions.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="module")
def parts():
    kb = load_knowledge(KNOWLEDGE)
    gazetteer = Gazetteer.load(PROJECT_ROOT / "data" / "lookups" / "counterparts.yml")
    selector, facts = build_selector(kb, KNOWLEDGE, gazetteer)
    return kb, selector, facts, gazetteer, Presentation.load(KNOWLEDGE)


def reply(parts, text, nlu, context=Context(), counterpart=None):
    kb, selector, facts, gazetteer, presentation = parts
    selection = selector.select(text, nlu, context, counterpart)
    found = gazetteer.resolve(selection.counterpart) if selection.counterpart else None
    label = selector.asks.label(selection.unanswered_ask) if selection.unanswered_ask else None
    composed = compose_reply(kb, selection, found, presentation, text, facts, label,
                             selector.asks.is_english(text), lambda i: f"/followup_choice{{\"entry_id\": \"{i}\"}}")
    return selection, composed


def test_who_decides_is_answered_by_who_decides_whatever_the_topic(parts):
    selection, composed = reply(parts, "Vem fattar beslut om internationella resor?", {"studieresa": 0.9})
    assert selection.entries[0] == "mandat_beslut.vem-beslutar" and not selection.nearest
    assert "delegationsordning" in composed.text


def test_an_ask_no_entry_answers_gets_the_honest_reply_first(parts):
    selection, composed = reply(parts, "Hur många anställda har den internationella enheten?",
                                {"kontaktperson": 0.95})
    assert selection.nearest and selection.unanswered_ask == "how_many"
    assert composed.text.startswith("Det finns inget svar på just det i kunskapsbasen (hur många).")
    assert "Det närmaste kunskapsbasen har är detta:" in composed.text
    assert composed.text.rstrip().endswith(parts[4].where_to_turn)


@pytest.mark.parametrize("text, nlu, ask", [
    ("Vilka ledamöter sitter i Internationella beredningen i år?", {"mandat_beslut": 0.9}, "persons"),
    ("Behöver vi visum för vår studieresa till Indien?", {"studieresa": 0.95}, "travel_admin"),
])
def test_names_and_a_trips_practicalities_are_not_in_the_knowledge(parts, text, nlu, ask):
    selection, composed = reply(parts, text, nlu)
    assert selection.nearest and selection.unanswered_ask == ask
    assert composed.text.startswith("Det finns inget svar på just det i kunskapsbasen")


def test_the_knowledge_says_where_to_find_the_name_of_our_contact_person(parts):
    selection, composed = reply(parts, "Vad heter vår internationella kontaktperson?", {"kontaktperson": 0.95})
    assert selection.entries[0] == "kontaktperson.vem-ar-var" and not selection.nearest
    assert "inga namn" in composed.text


def test_a_question_nlu_is_unsure_of_and_the_knowledge_does_not_match_is_not_answered(parts):
    kb, selector, *_ = parts
    plan = plan_reply(selector, "Hur fyller jag i min tidrapport i det nya systemet?", "nlu_fallback",
                      [{"name": "out_of_scope", "confidence": 0.4}, {"name": "resurser_uppfoljning", "confidence": 0.2}])
    assert plan.kind == "clarify" or (plan.selection is not None and plan.selection.nearest)


def test_yes_no_questions_get_the_verdict_and_other_questions_the_answer_first(parts):
    kb = parts[0]
    entry = kb.entries["vanortsavtal.inga-vanortsavtal"]
    _, yes_no = reply(parts, "Får vi teckna ett vänortsavtal med Kyoto?", {"vanortsavtal": 0.99})
    _, why = reply(parts, "Varför tecknar staden inga vänortsavtal?", {"vanortsavtal": 0.99})
    assert yes_no.text.startswith(entry.verdict)
    assert not why.text.startswith(("Ja", "Nej"))


@pytest.mark.parametrize("text, opening", [
    ("Sida betalar 80 procent av kostnaden, resten tar vi från vår budget. Får vi vara med i biståndsprojektet?",
     "breaks"),
    ("Sida står för hela kostnaden för biståndsprojektet. Får vi vara med?", "holds"),
    ("Får vi vara med i ett biståndsprojekt i Kampala?", "unstated"),
])
def test_a_conditional_entry_applies_its_rule_to_the_stated_case(parts, text, opening):
    kb = parts[0]
    selection, composed = reply(parts, text, {"bistand": 0.99})
    rule = kb.entries[selection.entries[0]].rule
    assert rule is not None and composed.text.startswith(getattr(rule, opening))


def test_no_entry_says_yes_when_the_official_states_a_fact_that_breaks_a_rule(parts):
    kb = parts[0]
    entry = kb.entries["omfattning.alla-namnder-bolag"]
    assert entry.verdict.startswith("Ja") and entry.rule is None
    text = "Projektet har inget med vår verksamhet att göra. Gäller strategin för oss ändå?"
    selection, composed = reply(parts, text, {"omfattning": 0.99})
    assert selection.entries[0] == entry.id
    assert not composed.text.startswith("Ja")


def test_a_follow_up_leans_on_the_conversation_and_keeps_its_counterpart(parts):
    context = Context(topic="delegationsbesok", entry_id="delegationsbesok.prioritera-besok",
                      counterpart="Nairobi", reply_entries=("delegationsbesok.prioritera-besok",), yes_no=True)
    selection, _ = reply(parts, "Vem fattar det?", {"mandat_beslut": 0.6, "delegationsbesok": 0.3}, context)
    assert selection.from_context and selection.counterpart == "Nairobi"
    assert selection.entries[0] == "mandat_beslut.vem-beslutar"


def test_a_short_ask_about_what_was_just_said_stays_with_its_subject(parts):
    """"Vem fattar beslut om det?" after joining a network: NLU hears the mandate topic in the ask's own
    words, but "det" is the network, and the network's entry says who decides on joining one."""
    context = Context(topic="natverk", entry_id="natverk.internationella-beredningen",
                      reply_entries=("natverk.internationella-beredningen",), yes_no=False)
    selection, composed = reply(parts, "Vem fattar beslut om det?", {"mandat_beslut": 0.99, "natverk": 0.01},
                                context)
    assert selection.from_context and selection.entries[0] == "natverk.internationella-beredningen"
    assert "Internationella beredningen" in composed.text
    # The same words without a conversation ask who decides in general.
    alone, _ = reply(parts, "Vem fattar beslut om det?", {"mandat_beslut": 0.99, "natverk": 0.01})
    assert alone.entries[0] == "mandat_beslut.vem-beslutar"


def test_a_follow_up_asking_for_examples_is_answered_within_its_topic(parts):
    """"Ge några exempel" after the memberships: the list of networks, not the strategy's examples of
    its directions (another topic that answers "example")."""
    context = Context(topic="natverk", entry_id="natverk.medlemskap", reply_entries=("natverk.medlemskap",))
    selection, _ = reply(parts, "Ge några exempel", {}, context)
    assert selection.topic == "natverk" and "inriktningar.exempel" not in selection.entries


def test_a_follow_up_naming_another_entry_of_the_topic_gets_that_entry(parts):
    context = Context(topic="inriktningar", entry_id="inriktningar.samverkan",
                      reply_entries=("inriktningar.samverkan",))
    # NLU hears the EU lobbying topic in "påverkan", but the message has little else of its own.
    selection, _ = reply(parts, "And påverkan, what is that?", {"paverkan": 0.98}, context)
    assert selection.entries[0] == "inriktningar.paverkan" and not selection.repeat


def test_a_follow_up_turning_to_another_subject_leaves_the_conversations_topic(parts):
    context = Context(topic="vanortsavtal", entry_id="vanortsavtal.inga-vanortsavtal",
                      reply_entries=("vanortsavtal.inga-vanortsavtal",), yes_no=True)
    text = "Kan vi teckna ett avtal om gemensam utveckling av e-tjänster i stället?"
    selection, _ = reply(parts, text, {"samarbetsavtal": 0.8, "vanortsavtal": 0.1}, context)
    assert selection.from_context and selection.topic == "samarbetsavtal"


def test_the_consultation_responses_view_does_not_answer_a_question_about_what_applies(parts):
    selection, _ = reply(parts, "Vad är kopplingen mellan Vision 2040 och det internationella arbetet?",
                         {"mal_vision2040": 0.99})
    assert selection.entries[0] != "mal_vision2040.forvaltningens-syn"
    asked, _ = reply(parts, "Vad tyckte förvaltningen i remissvaret om målen för det internationella arbetet?",
                     {"mal_vision2040": 0.99})
    assert asked.entries[0] == "mal_vision2040.forvaltningens-syn"


def test_a_new_counterpart_in_an_elliptic_follow_up_is_named_and_asked_the_same_way(parts):
    context = Context(topic="samarbetsavtal", entry_id="samarbetsavtal.fackforvaltningar", counterpart="Tartu",
                      reply_entries=("samarbetsavtal.fackforvaltningar",), yes_no=True)
    selection, composed = reply(parts, "Och med Vilnius?", {}, context, counterpart="Vilnius")
    assert selection.from_context and selection.topic == "samarbetsavtal" and selection.form.yes_no
    assert "Vilnius" in composed.text and "Tartu" not in composed.text


def test_a_follow_up_the_last_entry_answers_is_answered_briefly_not_repeated(parts):
    kb = parts[0]
    context = Context(topic="natverk", entry_id="natverk.c40", counterpart="C40", reply_entries=("natverk.c40",),
                      yes_no=True)
    selection, composed = reply(parts, "Sedan när?", {}, context)
    assert selection.entries == ("natverk.c40",) and selection.repeat
    assert "2007" in composed.text
    assert not any(c in composed.text for c in kb.entries["natverk.c40"].conditions)


def test_a_follow_up_the_knowledge_cannot_answer_says_so_without_repeating(parts):
    context = Context(topic="natverk", entry_id="natverk.medlemskap", counterpart="Eurocities",
                      reply_entries=("natverk.medlemskap",), yes_no=True)
    selection, composed = reply(parts, "Sedan när?", {}, context)
    assert selection.nearest and selection.from_context
    assert composed.text.startswith("Det finns inget mer i kunskapsbasen om just det (när)")
    assert "Källa:" not in composed.text  # the nearest entry was the last answer: not sent again


def test_two_questions_in_one_message_get_two_entries(parts):
    selection, composed = reply(parts, "Får vi ta emot en delegation från Nairobi? Och vem beslutar om det?",
                                {"delegationsbesok": 0.9, "mandat_beslut": 0.1})
    assert set(selection.entries) == {"delegationsbesok.prioritera-besok", "mandat_beslut.vem-beslutar"}
    messages = composed.text.split("\n\n")  # one message per entry, each with its source
    assert len(messages) == 2 and all("Källa:" in m for m in messages)


def test_the_other_voice_from_another_source_is_cited_on_its_own_line(parts):
    _, composed = reply(parts, "Vem fattar beslut om internationella resor?", {"studieresa": 0.9})
    sources = [line for line in composed.text.splitlines() if line.startswith("Källa:")]
    assert sources[0].startswith("Källa: Kommunallagen") and sources[0].endswith("(offentlig uppgift).")
    assert sources[1].startswith("Källa: Remissvar") and "förvaltningens synpunkt" in sources[1]


def test_answers_offer_their_follow_up_questions_as_buttons(parts):
    kb = parts[0]
    selection, composed = reply(parts, "Kan vi ta emot en delegation från Nairobi?", {"delegationsbesok": 0.99})
    entry = kb.entries[selection.entries[0]]
    assert [b["title"] for b in composed.buttons] == [kb.entries[i].title for i in entry.followups][:3]
    assert all(b["payload"].startswith("/followup_choice") for b in composed.buttons)


def test_english_questions_get_one_english_sentence_and_the_swedish_answer(parts):
    selection, composed = reply(parts, "Can we host a delegation from Shanghai?", {"delegationsbesok": 0.9},
                                counterpart="Shanghai")
    assert composed.text.startswith(parts[4].english_note)
    assert selection.topic == "delegationsbesok" and "Källa:" in composed.text
