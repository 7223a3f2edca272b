"""Retention: exactly the records past the period lose their text; aggregates stay."""
from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from actions.records import RecordStore, create_engine, migrate, utcnow
from actions.records import engagement_records as er
from review import audit
from review.purge import purge, purge_tracker
from review.queries import MASKED_QUESTION
from tests.review.seed import record

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)


def seed_ages(engine: Engine, now: datetime) -> dict[str, str]:
    """Records at known ages; returns {label: id}."""
    ages = {
        "91 days": timedelta(days=91),
        "90 days and a minute": timedelta(days=90, minutes=1),
        "89 days 23 h": timedelta(days=89, hours=23),
        "10 days": timedelta(days=10),
    }
    store = RecordStore(engine)
    ids = {}
    for i, (name, age) in enumerate(ages.items()):
        rec = record("2026-01-01", f"Fråga {name}: får vi resa till Berlin?", "studieresa",
                     counterpart="Berlin", ctype="city")
        rec.created_at = now - age
        rec.conversation_id = f"conv-{i}"
        store.insert(rec)
        ids[name] = rec.id
    return ids


def questions(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(er.c.id, er.c.question)).all())


def test_purge_masks_exactly_the_records_past_the_period(engine: Engine) -> None:
    ids = seed_ages(engine, NOW)
    store = RecordStore(engine)
    store.update(ids["91 days"], feedback="down", feedback_comment="Ring mig, Anna Svensson")
    store.update(ids["10 days"], feedback="down", feedback_comment="Svaret var fel")
    audit.write(engine, "anna", "admin", audit.OPEN_RECORD, ids["10 days"], at=NOW - timedelta(days=400))
    audit.write(engine, "anna", "admin", audit.OPEN_RECORD, ids["10 days"], at=NOW - timedelta(days=30))
    before = RecordStore(engine).all()

    result = purge(engine, question_days=90, audit_days=365, now=NOW)

    assert (result.masked, result.audit_deleted) == (2, 1)
    texts = questions(engine)
    assert texts[ids["91 days"]] == MASKED_QUESTION
    assert texts[ids["90 days and a minute"]] == MASKED_QUESTION
    assert texts[ids["89 days 23 h"]].startswith("Fråga 89 days")
    assert texts[ids["10 days"]].startswith("Fråga 10 days")
    after = {r["id"]: r for r in store.all()}
    assert after[ids["91 days"]]["feedback_comment"] is None
    assert after[ids["10 days"]]["feedback_comment"] == "Svaret var fel"
    # Everything but the free text is kept, so the aggregates are unchanged.
    free_text = ("question", "feedback_comment")
    for old in before:
        kept = {k: v for k, v in after[old["id"]].items() if k not in free_text}
        assert kept == {k: v for k, v in old.items() if k not in free_text}
    with engine.connect() as conn:
        log = conn.execute(sa.select(audit.audit_log.c.action, audit.audit_log.c.at)).all()
    assert sorted(a for a, _ in log) == ["open_record", "purge"]
    # A second run has nothing left to do.
    assert purge(engine, question_days=90, audit_days=365, now=NOW).masked == 0
    dry = purge(engine, question_days=5, audit_days=365, now=NOW, dry_run=True)
    assert dry.masked == 2 and questions(engine)[ids["10 days"]] != MASKED_QUESTION


def test_make_purge_uses_the_configured_retention(password_hashes, tmp_path: Path) -> None:
    db = tmp_path / "records.db"
    engine = create_engine(f"sqlite:///{db}")
    migrate(engine)
    ids = seed_ages(engine, utcnow())
    config_file = tmp_path / "review.yml"
    config_file.write_text(yaml.safe_dump({
        "session_secret": "s" * 40, "database_url": f"sqlite:///{db}", "retention": {"question_days": 30},
        "users": {"anna": {"role": "admin", "password_hash": password_hashes["anna"]}},
    }))
    env = dict(os.environ, LOTSEN_REVIEW_CONFIG=str(config_file), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        ["make", "--no-print-directory", "-f", "mk/review.mk", "purge", "VENV=.venv"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "masked 3 question texts" in result.stdout
    texts = questions(engine)
    assert [texts[ids[k]] == MASKED_QUESTION for k in ids] == [True, True, True, False]


def test_purge_clears_the_free_text_of_old_assessments_only(engine: Engine) -> None:
    ids = seed_ages(engine, NOW)
    store = RecordStore(engine)
    for label in ("91 days", "10 days"):
        store.save_assessment(ids[label], engagement_type="delegation", purpose="Besök av Anna Svensson",
                              operation="Äldreomsorgen i Skarpnäck", directions=["Samverkan"], verdict="conditional")

    result = purge(engine, question_days=90, audit_days=365, now=NOW)

    assert result.assessments_masked == 1
    old, recent = store.get_assessment(ids["91 days"]), store.get_assessment(ids["10 days"])
    assert (old["purpose"], old["operation"]) == (None, None)
    assert (old["engagement_type"], old["directions"], old["verdict"]) == ("delegation", ["Samverkan"], "conditional")
    assert recent["purpose"] == "Besök av Anna Svensson"
    assert purge(engine, question_days=90, audit_days=365, now=NOW).assessments_masked == 0


def test_purge_deletes_tracker_events_past_the_period(engine: Engine) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    events = SQLTrackerStore.SQLEvent.__table__
    events.create(engine, checkfirst=True)
    with engine.begin() as conn:
        for sender, age in (("old", timedelta(days=91)), ("new", timedelta(days=3))):
            conn.execute(events.insert().values(
                sender_id=sender, type_name="user", timestamp=(NOW - age).timestamp(), intent_name="greet",
                data='{"event": "user", "text": "Hej, jag heter Anna"}',
            ))
    cutoff = NOW - timedelta(days=90)

    assert purge_tracker(engine, cutoff, dry_run=True) == 1
    assert purge_tracker(engine, cutoff) == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(events.c.sender_id)).scalars().all() == ["new"]
