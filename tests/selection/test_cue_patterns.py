"""Cues asked at once (actions/selection/patterns.py) answer as the cues asked one by one, and the
case-fact reading built on them reads every development message as the straightforward reading did."""
from __future__ import annotations

import re
from typing import Optional

import pytest
import yaml

from actions.selection.asks import fold_lower
from actions.selection.case_facts import BREAKS, HOLDS, NEGATION_REACH, CaseFacts
from actions.selection.patterns import AnyOf
from actions.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def facts() -> CaseFacts:
    return CaseFacts.load(PROJECT_ROOT / "knowledge")


def dev_texts() -> list[str]:
    texts = []
    for path in sorted((PROJECT_ROOT / "tests" / "dev").glob("*.yml")) + [PROJECT_ROOT / "tests" / "search_dev.yml"]:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        items = next(v for v in data.values() if isinstance(v, list)) if isinstance(data, dict) else data
        for item in items:
            texts += [item["text"]] if "text" in item else list(item.get("turns", []))
    return texts


def reference_reading(facts: CaseFacts, fact: str, text: str) -> Optional[str]:
    """The reading as first written: every cue and every negation asked one by one."""
    folded = fold_lower(text)

    def stated(cue: re.Pattern[str]) -> list[re.Match[str]]:
        found = []
        for match in cue.finditer(folded):
            cut = max(0, match.start() - NEGATION_REACH)
            before = folded[cut:match.start()]
            if cut > 0 and folded[cut - 1].isalnum():
                before = before.partition(" ")[2]
            if not any(n.search(before) for n in facts.negations):
                found.append(match)
        return found

    holds = [m for c in facts.cues[fact][HOLDS] for m in stated(c)]
    inside = lambda m: any(h.start() <= m.start() and m.end() <= h.end() for h in holds)  # noqa: E731
    if any(not inside(m) for c in facts.cues[fact][BREAKS] for m in stated(c)):
        return BREAKS
    return HOLDS if holds else None


def test_readings_equal_the_reference_on_every_development_message(facts):
    texts = dev_texts()
    readings = [(t, f, facts.reading(f, t)) for t in texts for f in sorted(facts.cues)]
    assert sum(r is not None for _, _, r in readings) > 50  # many messages state a fact: not only Nones
    assert {r for _, _, r in readings} == {HOLDS, BREAKS, None}
    assert [(t, f, r) for t, f, r in readings if r != reference_reading(facts, f, t)] == []


@pytest.mark.parametrize("patterns, joined", [
    ([r"\binte\b", r"\bej\b", r"a(?=b)", r"(?<!x)yz"], True),
    ([r"(a)\1", r"b"], False),          # a backreference: its group number would shift
    ([r"(?i)abc", r"d"], False),        # a global flag would apply to every cue
    ([r"(?P<x>a)(?P=x)", r"c"], False),
])
def test_any_of_answers_as_the_cues_one_by_one(patterns, joined):
    compiled = [re.compile(p) for p in patterns]
    any_of = AnyOf(compiled)
    assert (any_of.joined is not None) == joined
    for text in ["", "inte", "ab", "ac", "xyz", "ayz", "aa", "ABC", "abc", "b", "d", "c", "hej", "ej"]:
        assert any_of.search(text) == any(p.search(text) for p in compiled), text
