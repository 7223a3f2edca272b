"""The evaluation questions (held-out and development) must never leak into the
training data or the knowledge (whose titles and `questions` the entry selection
learns from)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.knowledge import load_knowledge
from evaluation.answer_eval import load_items

ROOT = Path(__file__).resolve().parent.parent
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w ]", " ", ANNOTATION.sub(r"\1", text).lower()).split())


def training_texts() -> set[str]:
    texts = set()
    for path in (ROOT / "data").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in item:
                texts |= {normalise(line.strip()[2:]) for line in item["examples"].splitlines() if line.strip()}
    return texts


def knowledge_texts() -> set[str]:
    kb = load_knowledge(ROOT / "knowledge")
    return {normalise(t) for e in kb.entries.values() for t in (e.title, *e.questions, e.answer)}


def evaluation_texts(path: Path) -> list[str]:
    """The scored message of every item: a single question's text, a conversation's last turn (its
    first turns set the scene and may be canonical questions such as an entry's title)."""
    return [item["text"] if "text" in item else item["turns"][-1] for item in load_items(path)]


EVALUATION_FILES = sorted((ROOT / "tests" / "heldout").glob("*.yml")) + sorted((ROOT / "tests" / "dev").glob("*.yml"))


def test_every_evaluation_set_is_checked():
    names = {p.relative_to(ROOT / "tests").as_posix() for p in EVALUATION_FILES}
    assert {"heldout/questions.yml", "heldout/entries.yml", "heldout/conversations.yml", "heldout/forms.yml",
            "heldout/conditions.yml", "dev/entries.yml", "dev/conversations.yml", "dev/conditions.yml"} <= names


@pytest.mark.parametrize("path", EVALUATION_FILES, ids=lambda p: p.relative_to(ROOT / "tests").as_posix())
def test_no_evaluation_question_is_in_the_training_data_or_the_knowledge(path):
    training, knowledge = training_texts(), knowledge_texts()
    assert len(training) > 500 and len(knowledge) > 200
    texts = evaluation_texts(path)
    assert texts
    # Two-word follow-ups ("Varför inte?") may coincide with a training example; whole questions may not.
    # Questions identical to a training example or an entry text were removed from the sets (2026-12-03).
    leaked = [t for t in texts if len(t.split()) > 2 and normalise(t) in training]
    assert not leaked, f"{path.name}: evaluation questions found in data/: {leaked}"
    in_knowledge = [t for t in texts if len(t.split()) > 2 and normalise(t) in knowledge]
    assert not in_knowledge, f"{path.name}: evaluation questions found in knowledge/: {in_knowledge}"


def test_heldout_set_has_at_least_fifteen_questions_per_topic():
    topics = yaml.safe_load((ROOT / "knowledge" / "topics.yml").read_text(encoding="utf-8"))["topics"]
    heldout = yaml.safe_load((ROOT / "tests" / "heldout" / "questions.yml").read_text(encoding="utf-8"))
    for topic in topics:
        assert sum(q["topic"] == topic for q in heldout) >= 15, topic
