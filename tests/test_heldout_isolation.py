"""The held-out questions must never leak into training data."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

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


def test_no_heldout_question_is_in_the_training_data():
    training = training_texts()
    assert len(training) > 500
    for name in ("questions.yml", "search.yml"):
        heldout = yaml.safe_load((ROOT / "tests" / "heldout" / name).read_text(encoding="utf-8"))
        leaked = [q["text"] for q in heldout if normalise(q["text"]) in training]
        assert not leaked, f"{name}: held-out questions found in data/: {leaked}"


def test_heldout_set_has_at_least_fifteen_questions_per_topic():
    topics = yaml.safe_load((ROOT / "knowledge" / "topics.yml").read_text(encoding="utf-8"))["topics"]
    heldout = yaml.safe_load((ROOT / "tests" / "heldout" / "questions.yml").read_text(encoding="utf-8"))
    for topic in topics:
        assert sum(q["topic"] == topic for q in heldout) >= 15, topic
