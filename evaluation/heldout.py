"""The held-out questions (tests/heldout/), never used for training."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "heldout" / "questions.yml"


@dataclass(frozen=True)
class Question:
    text: str
    topic: str
    counterpart: Optional[str] = None


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Question(str(i["text"]), str(i["topic"]), i.get("counterpart")) for i in items]
