"""The knowledge base: complete, cited, valid, and loud when broken."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from actions.knowledge import CONVERSATIONAL_TOPICS, KnowledgeError, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
SHARED_TOPICS = ROOT.parent / "shared" / "contract" / "topics.yml"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(KNOWLEDGE)


def test_every_principle_topic_has_entries_and_one_primary(kb):
    for topic in kb.topics:
        if topic in CONVERSATIONAL_TOPICS:
            continue
        entries = kb.by_topic.get(topic, [])
        assert entries, f"no knowledge entries for {topic}"
        assert sum(e.primary for e in entries) == 1


def test_every_entry_cites_a_source_and_section(kb):
    for entry in kb.entries.values():
        assert entry.source.title.strip()
        assert entry.section.strip()
        assert entry.kind in ("strategy", "administration_view", "public_fact")


def test_answers_put_the_verdict_first(kb):
    for entry in kb.entries.values():
        assert entry.answer[0].isupper(), entry.id
        assert len(entry.answer) < 400, f"{entry.id}: answer should be short"


def test_vendored_topics_match_the_shared_contract():
    if not SHARED_TOPICS.exists():
        pytest.skip("shared/contract is not beside this checkout")
    ours = yaml.safe_load((KNOWLEDGE / "topics.yml").read_text(encoding="utf-8"))["topics"]
    theirs = yaml.safe_load(SHARED_TOPICS.read_text(encoding="utf-8"))["topics"]
    assert set(ours) == set(theirs)


def _broken_copy(tmp_path: Path, filename: str, mutate) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    data = yaml.safe_load((target / filename).read_text(encoding="utf-8"))
    mutate(data)
    (target / filename).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def test_entry_without_source_fails_naming_file_and_entry(tmp_path):
    def drop_source(data):
        del data["entries"][0]["source"]

    broken = _broken_copy(tmp_path, "bistand.yml", drop_source)
    entry_id = yaml.safe_load((broken / "bistand.yml").read_text())["entries"][0]["id"]
    with pytest.raises(KnowledgeError, match=rf"bistand\.yml.*{entry_id}.*source"):
        load_knowledge(broken)


def test_duplicate_id_fails(tmp_path):
    def duplicate(data):
        data["entries"].append(dict(data["entries"][0], primary=False))

    with pytest.raises(KnowledgeError, match="already used"):
        load_knowledge(_broken_copy(tmp_path, "natverk.yml", duplicate))


def test_unknown_topic_and_dangling_related_fail(tmp_path):
    def bad_topic(data):
        data["entries"][0]["topic"] = "vänort"

    with pytest.raises(KnowledgeError, match="unknown topic"):
        load_knowledge(_broken_copy(tmp_path / "a", "vanortsavtal.yml", bad_topic))

    def dangling(data):
        data["entries"][0]["related"] = ["finns.inte"]

    with pytest.raises(KnowledgeError, match="finns.inte"):
        load_knowledge(_broken_copy(tmp_path / "b", "vanortsavtal.yml", dangling))


def test_version_changes_when_knowledge_changes(tmp_path, kb):
    def edit(data):
        data["entries"][0]["answer"] = data["entries"][0]["answer"] + " Ändrat."

    assert load_knowledge(_broken_copy(tmp_path, "studieresa.yml", edit)).version != kb.version
