"""Knowledge versions and drafts on SQLite and PostgreSQL (``engine``): the first import,
publishing, four-eyes approval, rollback, refusal of invalid entries with the Swedish message,
the action server swapping in a new version without restart, and the YAML export round trip."""
from __future__ import annotations

import copy

import pytest
import yaml

from actions.counterparts import Gazetteer
from actions.knowledge import KnowledgeError, load_knowledge
from actions.knowledge_export import write_version
from actions.knowledge_live import validator
from actions.knowledge_versions import VersionError, VersionStore
from actions.records import create_engine, migrate
from actions.runtime import build_runtime, file_entries, get_runtime, set_runtime
from actions.settings import PROJECT_ROOT, load_settings
from review.editor_labels import refusal

KNOWLEDGE = PROJECT_ROOT / "knowledge"
TWINNING = "vanortsavtal.inga-vanortsavtal"
NEW_ANSWER = "Staden tecknar fortfarande inga vänortsavtal, enligt den reviderade strategin."


@pytest.fixture(scope="module")
def check():
    return validator(KNOWLEDGE, Gazetteer.load(PROJECT_ROOT / "data" / "lookups" / "counterparts.yml"))


@pytest.fixture
def store(engine, check) -> VersionStore:
    versions = VersionStore(engine, check)
    versions.import_initial(file_entries(KNOWLEDGE))
    return versions


def edited(store: VersionStore, entry_id: str = TWINNING, **fields) -> dict:
    entry = copy.deepcopy(store.live().entry(entry_id))
    entry.update(fields)
    return entry


def test_first_start_imports_the_files_as_version_one_once(store):
    live = store.live()
    assert live.id == 1 and live.published_by == "knowledge/"
    assert {e["id"] for e in live.entries} == set(load_knowledge(KNOWLEDGE).entries)
    assert store.import_initial(file_entries(KNOWLEDGE)) == 1 and len(store.versions()) == 1


def test_a_published_draft_is_a_new_version_with_a_readable_diff_and_the_old_one_unchanged(store):
    draft = store.save_draft(edited(store, answer=NEW_ANSWER), "redaktor1")
    assert store.live().id == 1, "a draft is not live"
    version = store.publish_draft(draft.id, "redaktor1", four_eyes=False)
    assert store.live().id == version.id == 2
    assert version.entry(TWINNING)["answer"] == NEW_ANSWER
    [change] = version.changes
    assert change["entry"] == TWINNING and change["change"] == "changed"
    assert [f["field"] for f in change["fields"]] == ["answer"]
    assert change["fields"][0]["after"] == NEW_ANSWER
    assert store.get(1).entry(TWINNING)["answer"] != NEW_ANSWER
    assert store.open_drafts() == []


def test_four_eyes_needs_a_second_editor(store):
    draft = store.save_draft(edited(store, answer=NEW_ANSWER), "redaktor1")
    with pytest.raises(VersionError) as not_sent:
        store.publish_draft(draft.id, "redaktor2", four_eyes=True)
    assert "skickas för godkännande" in refusal(not_sent.value)
    store.request_approval(draft.id, "redaktor1")
    with pytest.raises(VersionError) as same:
        store.publish_draft(draft.id, "redaktor1", four_eyes=True)
    assert "En annan redaktör" in refusal(same.value)
    assert store.live().id == 1
    version = store.publish_draft(draft.id, "redaktor2", four_eyes=True)
    assert (version.published_by, version.approved_by) == ("redaktor1", "redaktor2")


def test_rollback_publishes_the_earlier_content_as_a_new_version(store):
    store.publish_draft(store.save_draft(edited(store, answer=NEW_ANSWER), "r1").id, "r1", four_eyes=False)
    rolled = store.rollback(1, "r2")
    assert rolled.id == 3 and rolled.based_on == 1
    assert rolled.entries == store.get(1).entries
    assert rolled.changes[0]["fields"][0]["before"] == NEW_ANSWER


def test_retiring_stops_answering_but_keeps_the_text(store, check):
    retired = edited(store, "vanortsavtal.forvaltningens-syn", retired=True)
    refs = [e["id"] for e in store.live().entries if "vanortsavtal.forvaltningens-syn" in (e.get("related") or [])
            + (e.get("followups") or [])]
    entries = store.live().entries
    for ref in refs:  # an entry still pointing at it would be refused
        entry = next(e for e in entries if e["id"] == ref)
        entry["related"] = [r for r in entry.get("related", []) if r != retired["id"]]
        entry["followups"] = [r for r in entry.get("followups", []) if r != retired["id"]]
    entries = [retired if e["id"] == retired["id"] else e for e in entries]
    version = store.publish(entries, "r1")
    assert version.entry(retired["id"])["retired"] is True
    assert version.changes[-1]["change"] in ("retired", "changed")
    from actions.knowledge import KnowledgeFrame, build_knowledge
    kb = build_knowledge(version.entries, KnowledgeFrame.load(KNOWLEDGE), "x")
    assert retired["id"] not in kb.entries


@pytest.mark.parametrize("change, field, words", [
    ({"source": None}, "source", "”Källa” får inte vara tomt"),
    ({"source": "finns-inte"}, "source", "Källan finns inte"),
    ({"answer": "  "}, "answer", "”Svar” får inte vara tomt"),
    ({"topic": "vänort"}, "topic", "Ämnet finns inte"),
    ({"answer": "Nej, aldrig."}, "answer", "får inte börja med Ja eller Nej"),
])
def test_an_invalid_entry_is_refused_naming_the_field_and_nothing_is_saved(store, change, field, words):
    with pytest.raises(KnowledgeError) as refused:
        store.save_draft(edited(store, **change), "redaktor1")
    assert refused.value.field == field
    message = refusal(refused.value)
    assert message.startswith("Posten sparades inte.") and words in message
    assert store.open_drafts() == [] and store.live().id == 1


def test_a_referenced_entry_cannot_be_retired(store):
    with pytest.raises(KnowledgeError) as refused:
        store.save_draft(edited(store, "vanortsavtal.inga-vanorter", retired=True), "r1")
    assert "hänvisar till en post som inte finns eller är avvecklad" in refusal(refused.value)


def test_the_action_server_answers_from_a_new_version_without_restart(engine, tmp_path):
    settings = load_settings({"LOTSEN_HASH_KEY": "test-key-0123456789abcdef", "ENGAGEMENT_DB_URL": "sqlite://",
                              "LOTSEN_OUTBOX_PATH": str(tmp_path / "outbox.db")})
    runtime = build_runtime(settings, engine)
    set_runtime(runtime)
    try:
        assert runtime.knowledge.version == "1"
        store = runtime.versions
        question = "Hur gör vi med blåbärssoppan i Piteå?"  # found by nothing else
        entry = edited(store, answer=NEW_ANSWER, questions=[question])
        store.publish_draft(store.save_draft(entry, "r1").id, "r1", four_eyes=False)
        before = get_runtime()
        assert runtime.watcher.check_once() and not runtime.watcher.check_once()
        now = get_runtime()
        assert before.knowledge.version == "1" and before.knowledge.entries[TWINNING].answer != NEW_ANSWER
        assert before.search.search(question)[0].entry_id != TWINNING
        assert now.knowledge.version == "2" and now.knowledge.entries[TWINNING].answer == NEW_ANSWER
        assert now.writer is before.writer and now.search is not before.search
        assert now.search.search(question)[0].entry_id == TWINNING  # the new example question is searched
    finally:
        set_runtime(None)


def test_export_then_import_into_an_empty_database_reproduces_the_version(store, tmp_path, check):
    store.publish_draft(store.save_draft(edited(store, answer=NEW_ANSWER, owner="Internationella enheten",
                                                review_by="2027-03-01"), "r1").id, "r1", four_eyes=False)
    live = store.live()
    out = tmp_path / "knowledge"
    write_version(live.entries, out, KNOWLEDGE)
    kb = load_knowledge(out)  # the validator accepts it
    assert kb.entries[TWINNING].answer == NEW_ANSWER and kb.entries[TWINNING].review_by == "2027-03-01"
    assert yaml.safe_load((out / "vanortsavtal.yml").read_text())["entries"][0]["owner"] == "Internationella enheten"
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate(empty)
    copy_store = VersionStore(empty, check)
    copy_store.import_initial(file_entries(out))
    assert {e["id"]: e for e in copy_store.live().entries} == {e["id"]: e for e in live.entries}


def test_a_request_during_the_swap_sees_one_whole_version(engine, tmp_path):
    """Readers that take the runtime while versions are swapped in never see parts of two versions."""
    import threading

    settings = load_settings({"LOTSEN_HASH_KEY": "test-key-0123456789abcdef", "ENGAGEMENT_DB_URL": "sqlite://",
                              "LOTSEN_OUTBOX_PATH": str(tmp_path / "outbox.db")})
    runtime = build_runtime(settings, engine)
    set_runtime(runtime)
    seen: list[tuple] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            current = get_runtime()
            seen.append((current.knowledge.version, current.selector.kb is current.knowledge,
                         current.knowledge.entries[TWINNING].answer))
            stop.wait(0.002)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        store = runtime.versions
        for n in range(2):
            entry = edited(store, answer=f"{NEW_ANSWER} ({n})")
            store.publish_draft(store.save_draft(entry, "r1").id, "r1", four_eyes=False)
            assert runtime.watcher.check_once()
        stop.wait(0.1)
    finally:
        stop.set()
        reader.join(10)
        set_runtime(None)
    assert all(consistent for _, consistent, _ in seen)
    answers = {version: answer for version, _, answer in seen}
    assert answers["1"] == store.get(1).entry(TWINNING)["answer"] and answers["3"] == f"{NEW_ANSWER} (1)"


def test_two_editors_publishing_at_the_same_moment_lose_neither_change(store):
    """Each publication applies its draft onto the newest version; the loser of a race tries again."""
    import threading

    first = store.save_draft(edited(store, answer=NEW_ANSWER), "r1")
    second = store.save_draft(edited(store, "vanortsavtal.inga-vanorter", answer="Stockholm har inga vänorter."), "r2")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(draft_id: int, user: str) -> None:
        start.wait()
        try:
            store.publish_draft(draft_id, user, four_eyes=False)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(d.id, u)) for d, u in ((first, "r1"), (second, "r2"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    live = store.live()
    assert live.id == 3 and [v.id for v in store.versions()] == [3, 2, 1]
    assert live.entry(TWINNING)["answer"] == NEW_ANSWER
    assert live.entry("vanortsavtal.inga-vanorter")["answer"] == "Stockholm har inga vänorter."
