"""Recall and precision of ``mask_personal_data`` on tests/privacy/labelled.yml.

    .venv/bin/python -m tests.privacy.measure        # the figures in docs/privacy.md, and every miss

A labelled entity is caught when every word of it is replaced by a mask
(alone or together with the entity next to it); a mask is right when it
replaces only words of labelled entities. Words are compared with difflib
over the message before and after masking.
"""
from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import yaml

LABELLED = Path(__file__).with_name("labelled.yml")
_MARK = re.compile(r"\{([nt]):([^}]*)\}")
_TOKEN = re.compile(r"\[(?:namn|telefonnummer|e-post|personnummer)\]|\w+|[^\w\s]")
KINDS = {"n": "name", "t": "phone"}


@dataclass
class Message:
    text: str
    entities: list[tuple[str, str]]  # (kind, surface text)
    token_entity: list[Optional[int]]  # per token of ``text``: index into entities, or None


@dataclass
class Figures:
    entities: dict[str, int] = field(default_factory=lambda: {"name": 0, "phone": 0})
    caught: dict[str, int] = field(default_factory=lambda: {"name": 0, "phone": 0})
    masks: int = 0
    wrong_masks: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        return self.caught[kind] / self.entities[kind] if self.entities[kind] else 1.0

    @property
    def precision(self) -> float:
        return (self.masks - self.wrong_masks) / self.masks if self.masks else 1.0


def parse(labelled: str) -> Message:
    text, entities, spans = "", [], []
    last = 0
    for match in _MARK.finditer(labelled):
        text += labelled[last:match.start()]
        spans.append((len(text), len(text) + len(match.group(2))))
        entities.append((KINDS[match.group(1)], match.group(2)))
        text += match.group(2)
        last = match.end()
    text += labelled[last:]
    token_entity: list[Optional[int]] = []
    for token in _TOKEN.finditer(text):
        owner = next((i for i, (s, e) in enumerate(spans) if s <= token.start() < e), None)
        token_entity.append(owner)
    return Message(text, entities, token_entity)


def messages(path: Path = LABELLED) -> list[Message]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [parse(m) for m in data["with_personal_data"] + data["without_personal_data"]]


def measure(mask: Callable[[str], str], path: Path = LABELLED) -> Figures:
    figures = Figures()
    for message in messages(path):
        before = _TOKEN.findall(message.text)
        after = _TOKEN.findall(mask(message.text))
        masked_tokens: set[int] = set()
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            masks = sum(t.startswith("[") for t in after[j1:j2])
            figures.masks += masks
            if any(message.token_entity[i] is None and before[i].isalnum() for i in range(i1, i2)) or i1 == i2:
                figures.wrong_masks += max(masks, 1)
                figures.wrong.append(f"{message.text!r} -> {mask(message.text)!r}")
            if masks:
                masked_tokens.update(range(i1, i2))
        for index, (kind, surface) in enumerate(message.entities):
            figures.entities[kind] += 1
            own = [i for i, owner in enumerate(message.token_entity) if owner == index]
            if own and all(i in masked_tokens for i in own):
                figures.caught[kind] += 1
            else:
                figures.misses.append(f"{kind} {surface!r} in {message.text!r}")
    return figures


def main() -> int:
    from actions.privacy import mask_personal_data

    figures = measure(mask_personal_data)
    total = len(messages())
    for kind in ("name", "phone"):
        print(f"{kind}: recall {figures.caught[kind]}/{figures.entities[kind]} = {figures.recall(kind):.1%}")
    print(f"masks: {figures.masks}, wrong {figures.wrong_masks}, precision {figures.precision:.1%} ({total} messages)")
    for line in figures.misses:
        print("  missed", line)
    for line in figures.wrong:
        print("  wrong ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
