"""The custom actions against real rasa-sdk trackers and real databases
(SQLite and PostgreSQL, via the ``engine`` fixture)."""
from __future__ import annotations

import asyncio
import json
from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_action import ActionAnswer
from actions.clarify_action import ActionClarify
from actions.department_action import ActionSetDepartment
from actions.feedback_action import ActionFeedback
from actions.privacy import conversation_hash
from actions.records import RecordStore
from actions.runtime import build_runtime, get_runtime, set_runtime
from actions.settings import load_settings

HASH_KEY = "test-key-0123456789abcdef"
SENDER = "29:1rawTeamsUserId"


def make_tracker(
    text: str, intent: str, confidence: float = 0.96, entities: Optional[list] = None,
    ranking: Optional[list] = None, slots: Optional[dict] = None, channel: str = "rest",
    metadata: Optional[dict] = None, message_id: Optional[str] = None,
) -> Tracker:
    parse = {
        "text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}], "metadata": metadata or {},
        "message_id": message_id,
    }
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": parse, "input_channel": channel,
         "metadata": {"model_id": "model-123", **(metadata or {})}},
    ]
    return Tracker(SENDER, slots or {}, parse, events, False, None, {}, "action_listen")


@pytest.fixture
def store(engine, tmp_path):
    settings = load_settings({"LOTSEN_HASH_KEY": HASH_KEY, "ENGAGEMENT_DB_URL": "sqlite://",
                              "LOTSEN_OUTBOX_PATH": str(tmp_path / "outbox.db")})
    runtime = build_runtime(settings, engine)
    set_runtime(runtime)
    yield RecordStore(engine)
    set_runtime(None)


def run(action, tracker: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_twinning_question_answers_no_cites_source_and_records_it(store):
    messages, slots = run(ActionAnswer(), make_tracker(
        "Får vi teckna ett vänortsavtal med Berlin? Ring mig på 070-123 45 67",
        "vanortsavtal", entities=[{"entity": "counterpart", "value": "Berlin"}],
        metadata={"department": "Kulturförvaltningen"}))
    text = messages[0]["text"]
    assert text.startswith("Nej")
    assert "Källa:" in text.splitlines()[-1]
    [record] = store.all()
    assert record["id"] == slots["last_record_id"]
    assert (record["topic"], record["outcome"], record["counterpart"], record["counterpart_type"]) == (
        "vanortsavtal", "answered", "Berlin", "city")
    assert record["conversation_id"] == conversation_hash(SENDER, HASH_KEY.encode())
    assert SENDER not in json.dumps(record, default=str)
    assert "070" not in record["question"] and "[telefonnummer]" in record["question"]
    assert record["department"] == "Kulturförvaltningen"
    assert record["principle_ids"] and record["principle_ids"][0].startswith("vanortsavtal.")
    assert record["model_id"] == "model-123" and record["kb_version"]


def test_capital_and_nordic_capital_tailor_the_twinning_answer(store):
    berlin, _ = run(ActionAnswer(), make_tracker("vänort med Berlin?", "vanortsavtal",
                                                 entities=[{"entity": "counterpart", "value": "Berlin"}]))
    oslo, _ = run(ActionAnswer(), make_tracker("vänort med Oslo?", "vanortsavtal",
                                               entities=[{"entity": "counterpart", "value": "Oslo"}]))
    assert "Berlin" in berlin[0]["text"]
    assert "Oslo" in oslo[0]["text"] and "nordisk" in oslo[0]["text"].lower()
    assert oslo[0]["text"] != berlin[0]["text"].replace("Berlin", "Oslo")


def test_counterpart_spelling_is_canonicalised_even_when_nlu_misses_it(store):
    run(ActionAnswer(), make_tracker("kan vi ta emot en delegation fran copenhagen", "delegationsbesok"))
    assert store.all()[0]["counterpart"] == "Köpenhamn"


def test_smalltalk_and_out_of_scope_are_answered_and_recorded(store):
    greet, _ = run(ActionAnswer(), make_tracker("Hej!", "greet"))
    oos, _ = run(ActionAnswer(), make_tracker("Hur fyller jag i min tidrapport?", "out_of_scope"))
    assert greet[0]["response"] == "utter_greet"
    assert oos[0]["response"] == "utter_out_of_scope"
    outcomes = {(r["topic"], r["outcome"]) for r in store.all()}
    assert outcomes == {("smalltalk", "answered"), ("out_of_scope", "out_of_scope")}


def test_unsure_nlu_answers_from_the_knowledge_search_when_it_is_confident(store):
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "eu_projekt", "confidence": 0.41}]
    messages, _ = run(ActionClarify(), make_tracker(
        "pengar från sida till ett projekt i Tanzania?", "nlu_fallback", 0.5, ranking=ranking))
    assert "Källa:" in messages[0]["text"]
    [record] = store.all()
    assert (record["outcome"], record["topic"], record["counterpart"]) == ("answered", "bistand", "Tanzania")
    assert record["principle_ids"][0].startswith("bistand.") and record["search_score"] >= 0.45


def test_weak_search_hits_are_offered_and_the_choice_completes_the_same_record(store):
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "natverk", "confidence": 0.1}]
    messages, slots = run(ActionClarify(), make_tracker("något om utlandet", "nlu_fallback", 0.5, ranking=ranking))
    assert messages[0]["response"] == "utter_clarify"
    buttons = messages[0]["buttons"]
    assert buttons[-1]["title"] == "Inget av dessa"
    payload = json.loads(buttons[0]["payload"][len("/choose_topic"):])
    [record] = store.all()
    assert record["outcome"] == "clarification" and 0.2 <= record["search_score"] < 0.45

    answer, _ = run(ActionAnswer(), make_tracker(
        buttons[0]["payload"], "choose_topic", 1.0,
        entities=[{"entity": k, "value": v} for k, v in payload.items()], slots=slots))
    assert "Källa:" in answer[0]["text"]
    [record] = store.all()
    assert record["principle_ids"] == [payload["entry_id"]] and record["topic"] == payload["topic_choice"]


def test_without_search_hits_the_likeliest_intents_are_offered(store):
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "bistand", "confidence": 0.41},
               {"name": "eu_projekt", "confidence": 0.33}, {"name": "greet", "confidence": 0.1}]
    messages, _ = run(ActionClarify(), make_tracker("xyzzy plugh", "nlu_fallback", 0.5, ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/choose_topic{"topic_choice": "bistand"}', '/choose_topic{"topic_choice": "eu_projekt"}',
        '/choose_topic{"topic_choice": "out_of_scope"}']
    assert store.all()[0]["outcome"] == "clarification"


def test_no_usable_guess_gives_the_fallback_and_records_it(store):
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "natverk", "confidence": 0.12}]
    messages, _ = run(ActionClarify(), make_tracker("asdf qwerty", "nlu_fallback", 0.5, ranking=ranking))
    assert messages[0]["response"] == "utter_fallback"
    assert store.all()[0]["outcome"] == "fallback"


def test_feedback_updates_the_answered_record_instead_of_adding_one(store):
    _, slots = run(ActionAnswer(), make_tracker("Får vi söka EU-medel?", "eu_projekt"))
    messages, _ = run(ActionFeedback(), make_tracker(
        '/feedback{"feedback_value": "down"}', "feedback", 1.0,
        entities=[{"entity": "feedback_value", "value": "down"}], slots=slots))
    assert messages[0]["response"] == "utter_feedback_down"
    [record] = store.all()
    assert record["feedback"] == "down"


def test_answer_still_reaches_the_user_when_the_database_fails_and_the_record_follows(store, engine):
    engine.dispose()
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE engagement_records RENAME TO engagement_records_gone")
    messages, slots = run(ActionAnswer(), make_tracker("Får vi teckna ett vänortsavtal?", "vanortsavtal"))
    assert messages[0]["text"].startswith("Nej")
    runtime = get_runtime()
    assert runtime.writer.outbox.pending_count() == 1
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE engagement_records_gone RENAME TO engagement_records")
    runtime.drainer.drain_once()
    assert [r["id"] for r in store.all()] == [slots["last_record_id"]]
    assert runtime.writer.outbox.pending_count() == 0


def test_a_retried_action_for_the_same_message_keeps_one_record(store):
    tracker = make_tracker("Får vi gå med i C40?", "natverk", message_id="a1b2c3")
    _, first = run(ActionAnswer(), tracker)
    _, again = run(ActionAnswer(), tracker)
    assert first["last_record_id"] == again["last_record_id"]
    assert len(store.all()) == 1


def test_feedback_names_its_record_carries_a_masked_comment_and_stays_in_its_conversation(store):
    _, first = run(ActionAnswer(), make_tracker("Får vi söka EU-medel?", "eu_projekt"))
    _, second = run(ActionAnswer(), make_tracker("Får vi gå med i C40?", "natverk"))
    payload = [{"entity": "feedback_value", "value": "down"},
               {"entity": "record_id", "value": first["last_record_id"]},
               {"entity": "feedback_comment", "value": "Fel svar, mejla mig på a.b@stockholm.se"}]
    run(ActionFeedback(), make_tracker("/feedback{...}", "feedback", 1.0, entities=payload, slots=second))
    rows = {r["id"]: r for r in store.all()}
    assert rows[first["last_record_id"]]["feedback"] == "down"
    assert rows[first["last_record_id"]]["feedback_comment"] == "Fel svar, mejla mig på [e-post]"
    assert rows[second["last_record_id"]]["feedback"] is None

    other = make_tracker("/feedback{...}", "feedback", 1.0, entities=payload[:2])
    other.sender_id = "someone-else"
    run(ActionFeedback(), other)
    assert store.get(first["last_record_id"])["feedback"] == "down"  # untouched by another conversation
    store.update(first["last_record_id"], feedback=None)
    run(ActionFeedback(), other)
    assert store.get(first["last_record_id"])["feedback"] is None


def test_widget_answers_name_their_record_and_rest_answers_do_not(store):
    widget, slots = run(ActionAnswer(), make_tracker("Får vi söka EU-medel?", "eu_projekt", channel="socketio"))
    rest, _ = run(ActionAnswer(), make_tracker("Får vi söka EU-medel?", "eu_projekt", channel="rest"))
    assert [m["custom"] for m in widget if m.get("custom")] == [{"lotsen": {"record_id": slots["last_record_id"]}}]
    assert all(not m.get("custom") for m in rest)


def test_department_is_asked_once_and_stored_on_the_question_it_followed(store):
    messages, slots = run(ActionAnswer(), make_tracker("Får vi söka EU-medel?", "eu_projekt"))
    assert messages[-1]["response"] == "utter_ask_department_once"
    assert slots["department_asked"] is True
    reply, dept = run(ActionSetDepartment(), make_tracker(
        '/inform_department{"department": "Miljöförvaltningen"}', "inform_department", 1.0,
        entities=[{"entity": "department", "value": "Miljöförvaltningen"}], slots=slots))
    assert reply[0]["response"] == "utter_department_thanks" and dept["department"] == "Miljöförvaltningen"
    [record] = store.all()
    assert record["department"] == "Miljöförvaltningen"
    again, _ = run(ActionAnswer(), make_tracker("Får vi gå med i C40?", "natverk", slots={**slots, **dept}))
    assert all(m.get("response") != "utter_ask_department_once" for m in again)
    assert store.all()[-1]["department"] == "Miljöförvaltningen"


def test_department_from_the_channel_is_never_asked(store):
    messages, _ = run(ActionAnswer(), make_tracker("Får vi söka EU-medel?", "eu_projekt",
                                                   metadata={"department": "Kulturförvaltningen"}))
    assert all(m.get("response") != "utter_ask_department_once" for m in messages)
