"""Long conversations roll over to a new Rasa session (rasa_patches/session_rollover.py):
the stored session stays short, and what the official said before the
boundary still counts after it (follow-ups, the assessment offer, feedback).

The dialogue runs in-process with the trained model and the real action
server, on Rasa's in-memory and SQL tracker stores."""
from __future__ import annotations

import asyncio
import uuid
from typing import Iterator

import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions
from rasa.utils.endpoints import EndpointConfig

from actions.records import RecordStore, create_engine, migrate
from actions.settings import ConfigurationError
from rasa_patches import session_rollover
from tests.support.servers import running_action_server, trained_model

TURNS = 3  # a short session, so one conversation crosses several boundaries


def test_session_length_is_read_from_the_environment():
    assert session_rollover.turns_from_env({}) == session_rollover.DEFAULT_TURNS
    assert session_rollover.turns_from_env({"LOTSEN_SESSION_TURNS": " 7 "}) == 7
    for bad in ("zwanzig", "1", "-5", "2.5"):
        with pytest.raises(ConfigurationError, match="LOTSEN_SESSION_TURNS"):
            session_rollover.turns_from_env({"LOTSEN_SESSION_TURNS": bad})


def test_a_new_session_carries_each_slot_once_with_its_latest_value():
    tracker = DialogueStateTracker.from_events("s", [
        ActionExecuted("action_listen"), SlotSet("last_topic", "vanortsavtal"), SlotSet("last_counterpart", "Berlin"),
        SlotSet("last_topic", "bistand"), SlotSet("last_counterpart", None),
    ])
    carried = session_rollover.latest_slot_events(tracker)
    assert [(e.key, e.value) for e in carried] == [("last_topic", "bistand"), ("last_counterpart", None)]


@pytest.fixture(scope="module")
def agent(tmp_path_factory) -> Iterator[tuple[Agent, str]]:
    """The trained model in this process, with the real action server; yields it and the records URL."""
    workdir = tmp_path_factory.mktemp("rollover")
    db_url = f"sqlite:///{workdir / 'engagements.db'}"
    migrate(create_engine(db_url))
    with running_action_server(workdir, db_url) as actions_url:
        loaded = Agent.load(trained_model(), action_endpoint=EndpointConfig(f"{actions_url}/webhook"))
        yield loaded, db_url


@pytest.fixture(params=["in-memory", "sql"])
def store(request, agent, tmp_path) -> Iterator[TrackerStore]:
    """Rasa's in-memory and SQL tracker stores in turn, with a rollover every ``TURNS`` user messages."""
    loaded, _ = agent
    if request.param == "in-memory":
        tracker_store: TrackerStore = InMemoryTrackerStore(loaded.domain)
    else:
        tracker_store = SQLTrackerStore(loaded.domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    loaded.tracker_store = loaded.processor.tracker_store = tracker_store
    session_rollover.apply({"LOTSEN_SESSION_TURNS": str(TURNS)})
    yield tracker_store
    session_rollover.apply({})


def test_context_survives_the_session_boundary(agent, store: TrackerStore):
    loaded, db_url = agent
    sender = f"rollover-{uuid.uuid4()}"
    records = RecordStore(create_engine(db_url))
    before = {r["id"] for r in records.all()}

    def ask(text: str) -> str:
        replies = asyncio.run(loaded.handle_text(text, sender_id=sender)) or []
        return "\n".join(r.get("text", "") for r in replies)

    # session 1 ends with a twinning answer; session 2 starts with a follow-up on it
    ask("Hej")
    ask("Hej igen")
    ask("Får vi teckna ett vänortsavtal med Berlin?")
    follow_up = ask("och om det är Oslo i stället?")
    assert follow_up.startswith("Nej") and "Oslo" in follow_up
    # session 2 ends with the offer of an assessment; session 3 starts by accepting it
    ask("Tack")
    assert "Vill du att vi går igenom ert fall?" in ask("Kan vi ta emot en delegation från Kenya i mars?")
    assert "syftet" in ask("/affirm")
    # the form runs past the session length without being cut
    ask("Vi vill lära oss om deras arbete med äldreomsorg")
    ask("Samverkan")
    ask("Hemtjänsten")
    ask("Äldreförvaltningen")
    assert "Bedömning av ert fall: Delegationsbesök – Kenya" in ask("Delegationen betalar själv")
    # a new session after the form; the thumbs-up lands on the last answer's record
    assert "Tack" in ask('/feedback{"feedback_value": "up"}')

    new = [r for r in records.all() if r["id"] not in before and r["topic"] != "smalltalk"]
    assert [(r["topic"], r["counterpart"]) for r in new] == [
        ("vanortsavtal", "Berlin"), ("vanortsavtal", "Oslo"), ("delegationsbesok", "Kenya")]
    assert new[-1]["feedback"] == "up"

    full = asyncio.run(store.retrieve_full_tracker(sender))
    per_session = [sum(isinstance(e, UserUttered) for e in session.events)
                   for session in get_trackers_for_conversation_sessions(full)]
    if isinstance(store, InMemoryTrackerStore):
        assert per_session == [6, 1]  # Rasa's in-memory store keeps the latest two sessions only
    else:
        assert per_session == [3, 3, 6, 1]
    latest = asyncio.run(store.retrieve(sender))
    assert sum(isinstance(e, UserUttered) for e in latest.events) == 1
    carried = [e.key for e in latest.events if isinstance(e, SlotSet)]
    assert len(carried) == len(set(carried)), "each slot is carried over once"


def test_rasa_run_installs_the_rollover_with_the_patches():
    import rasa_patches

    rasa_patches.apply_all()  # what `python -m rasa_patches run` does before Rasa starts
    from rasa.core.processor import MessageProcessor

    assert MessageProcessor._has_session_expired is session_rollover._has_session_expired
