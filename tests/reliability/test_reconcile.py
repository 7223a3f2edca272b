"""`make reconcile`: every question in the tracker store has a record
afterwards, and messages that by the records contract get none stay without."""
from __future__ import annotations

import asyncio
import contextlib
import itertools

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from actions.privacy import conversation_hash
from actions.records import EngagementRecord, RecordStore, create_engine, migrate, record_id_for
from actions.runtime import build_runtime
from actions.settings import load_settings
from review.reconcile import reconcile, tracker_engine
from tests.reliability.scenario import QUESTIONS, Run, action_server, rasa_server
from tests.support.postgres import free_port
from tests.support.servers import lotsen_env, trained_model

HASH_KEY = "test-key-0123456789abcdef"
_ids = itertools.count()


def said(text: str, intent: str, *then: Event) -> list[Event]:
    """A user message (with Rasa's message id) and what Rasa did with it."""
    parse = {"intent": {"name": intent, "confidence": 0.91}, "entities": [], "text": text}
    message = UserUttered(text, parse["intent"], [], parse, input_channel="rest", message_id=f"msg-{next(_ids)}",
                          metadata={"model_id": "model-1"})
    return [message, *then, ActionExecuted("action_listen")]


ANSWER = ActionExecuted("action_answer")
CLARIFY = ActionExecuted("action_clarify")


def delegation_conversation() -> list[Event]:
    """A question, the offered assessment taken, help inside the form, feedback, the department."""
    return [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        *said("Får vi ta emot en delegation från Peking? Ring mig på 070-123 45 67", "delegationsbesok",
              ANSWER, SlotSet("assessment_offered", True), SlotSet("last_record_id", "x")),
        *said("ja", "affirm", ActionExecuted("assessment_form"), ActiveLoop("assessment_form")),
        *said("hjälp", "help", ANSWER, ActionExecuted("assessment_form")),
        *said("Miljöförvaltningen", "inform_department", ActionExecuted("assessment_form")),
        *said("/cancel", "cancel", ActionExecuted("action_cancel_assessment"), ActiveLoop(None),
              SlotSet("assessment_offered", False)),
        *said('/feedback{"feedback_value": "up"}', "feedback", ActionExecuted("action_feedback")),
        *said('/inform_department{"department": "Kulturförvaltningen"}', "inform_department",
              ActionExecuted("action_set_department")),
    ]


def clarified_conversation() -> list[Event]:
    """An unsure question clarified by a button, smalltalk, and "nej" to the assessment offer."""
    return [
        *said("något om utlandet", "nlu_fallback", CLARIFY),
        *said('/choose_topic{"topic_choice": "natverk"}', "choose_topic", ANSWER),
        *said("hej", "greet", ANSWER),
        *said("Får vi teckna ett samarbetsavtal med Oslo?", "samarbetsavtal", ANSWER,
              SlotSet("assessment_offered", True)),
        *said("nej", "deny", ANSWER, SlotSet("assessment_offered", False)),
    ]


QUESTIONS_BY_SENDER = {  # sender -> the texts that are questions by the records contract
    "teams-user-1": ["Får vi ta emot en delegation från Peking? Ring mig på 070-123 45 67", "hjälp"],
    "rest-user-2": ["något om utlandet", "hej", "Får vi teckna ett samarbetsavtal med Oslo?"],
}


def save_trackers(url: str) -> dict[str, list[Event]]:
    store = SQLTrackerStore(host=url)
    conversations = {"teams-user-1": delegation_conversation(), "rest-user-2": clarified_conversation()}
    for sender, events in conversations.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    return conversations


def message_id(events: list[Event], text: str) -> str:
    return next(e.message_id for e in events if isinstance(e, UserUttered) and e.text == text)


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path):
    """(records URL, tracker store URL): SQLite files, or one PostgreSQL database for both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    url = request.getfixturevalue("pg").url
    return url, url


def test_reconcile_backfills_only_the_questions_without_a_record_and_adds_nothing_twice(databases, tmp_path):
    records_url, tracker_url = databases
    conversations = save_trackers(tracker_url)
    engine = create_engine(records_url)
    migrate(engine)
    store = RecordStore(engine)
    settings = load_settings({"LOTSEN_HASH_KEY": HASH_KEY, "ENGAGEMENT_DB_URL": records_url,
                              "LOTSEN_OUTBOX_PATH": str(tmp_path / "outbox.db")})
    runtime = build_runtime(settings, engine)
    # The action server did write the record of the smalltalk question.
    greeting = conversation_hash("rest-user-2", HASH_KEY.encode())
    store.insert(EngagementRecord(
        id=record_id_for(greeting, message_id(conversations["rest-user-2"], "hej")), conversation_id=greeting,
        channel="rest", question="hej", topic="smalltalk", outcome="answered", kb_version="v1"))

    summary = reconcile(runtime, store, tracker_engine(tracker_url))
    messages = sum(isinstance(e, UserUttered) for events in conversations.values() for e in events)
    assert (summary.messages_seen, summary.questions, summary.records_present, summary.backfilled) == (messages, 5, 1, 4)

    rows = store.all()
    assert sorted(r["question"] for r in rows) == sorted(
        [*QUESTIONS_BY_SENDER["rest-user-2"], "Får vi ta emot en delegation från Peking? Ring mig på [telefonnummer]", "hjälp"])
    backfilled = {r["question"]: r for r in rows if r["outcome"] == "unrecorded"}
    assert set(backfilled) == set(q for q in (r["question"] for r in rows) if q != "hej")
    delegation = backfilled["Får vi ta emot en delegation från Peking? Ring mig på [telefonnummer]"]
    assert (delegation["intent"], delegation["intent_confidence"], delegation["topic"]) == (
        "delegationsbesok", 0.91, "delegationsbesok")
    assert delegation["conversation_id"] == conversation_hash("teams-user-1", HASH_KEY.encode())
    assert backfilled["hjälp"]["topic"] == "smalltalk"
    assert all("teams-user-1" not in str(r.values()) for r in rows)

    again = reconcile(runtime, store, tracker_engine(tracker_url))
    assert (again.questions, again.records_present, again.backfilled) == (5, 5, 0)
    assert len(store.all()) == 5


def test_the_command_prints_its_summary_and_refuses_a_missing_tracker_store(tmp_path, monkeypatch, capsys):
    from review.reconcile import main

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    save_trackers(tracker_url)
    monkeypatch.setenv("LOTSEN_HASH_KEY", HASH_KEY)
    monkeypatch.setenv("ENGAGEMENT_DB_URL", f"sqlite:///{tmp_path / 'records.db'}")
    monkeypatch.setenv("LOTSEN_OUTBOX_PATH", str(tmp_path / "outbox.db"))
    monkeypatch.setenv("LOTSEN_TRACKER_URL", tracker_url)
    assert main([]) == 0
    assert "questions (by the records contract): 5; records present: 0; backfilled: 5" in capsys.readouterr().out
    assert main([]) == 0
    assert "records present: 5; backfilled: 0" in capsys.readouterr().out

    monkeypatch.setenv("LOTSEN_TRACKER_URL", f"sqlite:///{tmp_path / 'nowhere.db'}")
    with pytest.raises(SystemExit, match="does not exist"):
        main([])


def test_reconcile_backfills_what_rasa_heard_while_the_action_server_was_down(tmp_path):
    model = trained_model()
    records_url, tracker_url = f"sqlite:///{tmp_path / 'records.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    port = free_port()
    env = lotsen_env(records_url, port, {"LOTSEN_OUTBOX_PATH": str(tmp_path / "outbox.db"),
                                         "LOTSEN_TRACKER_URL": tracker_url})
    with contextlib.ExitStack() as first_server:
        first_server.enter_context(action_server(env, port, tmp_path / "actions-1.log"))
        with rasa_server(env, model, free_port(), tmp_path / "rasa.log") as rasa_url:
            run = Run(rasa_url)
            run.questions("up", QUESTIONS[:3])
            first_server.close()
            run.questions("away", QUESTIONS[3:5])  # Rasa hears them; no action server writes their records
            with action_server(env, port, tmp_path / "actions-2.log"):
                run.questions("back", QUESTIONS[5:6])

    engine = create_engine(records_url)
    store = RecordStore(engine)
    assert len(store.all()) == 4
    settings = load_settings({**env, "LOTSEN_OUTBOX_PATH": str(tmp_path / "reconcile-outbox.db")})
    runtime = build_runtime(settings, engine)
    summary = reconcile(runtime, store, tracker_engine(tracker_url))
    assert (summary.questions, summary.records_present, summary.backfilled) == (6, 4, 2)
    key = HASH_KEY.encode()
    unrecorded = {r["conversation_id"]: r["question"] for r in store.all() if r["outcome"] == "unrecorded"}
    assert unrecorded == {conversation_hash("away-0", key): QUESTIONS[3], conversation_hash("away-1", key): QUESTIONS[4]}
    assert reconcile(runtime, store, tracker_engine(tracker_url)).backfilled == 0
