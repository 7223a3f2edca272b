"""Reading the facts an official states about their case (knowledge/case_facts.yml)."""
from __future__ import annotations

import pytest

from actions.settings import PROJECT_ROOT
from actions.selection.case_facts import BREAKS, HOLDS, CaseFacts


@pytest.fixture(scope="module")
def facts() -> CaseFacts:
    return CaseFacts.load(PROJECT_ROOT / "knowledge")


@pytest.mark.parametrize("text, reading", [
    ("Sida betalar 80 procent av kostnaden för ett projekt i Kampala, resten tar vi från vår budget.", BREAKS),
    ("Vi står för halva kostnaden själva.", BREAKS),
    ("Sida betalar allt utom resorna, som vi står för.", BREAKS),
    ("Sida står för hela kostnaden.", HOLDS),
    ("Projektet är helt finansierat av Sida och kostar oss inget.", HOLDS),
    ("Sida betalar allt, vi har ingen egen insats.", HOLDS),
    ("Får vi delta i ett biståndsprojekt i Kampala?", None),
    ("Inte en enda krona kommer från vår budget, allt betalas av Sida.", HOLDS),  # the breaking cue is inside it
    ("Sida betalar resorna men inte arbetstiden.", BREAKS),
])
def test_who_pays(facts, text, reading):
    assert facts.reading("cost_coverage", text) == reading


@pytest.mark.parametrize("text, reading", [
    ("Får vi teckna ett samarbetsavtal med Tartu om kollektivtrafik?", HOLDS),
    ("Ett rent symboliskt avtal med Tartu, mest som en gest?", BREAKS),
    ("De vill att vi blir vänstäder genom ett samarbetsavtal.", BREAKS),
    ("Får vi teckna ett samarbetsavtal med Tartu?", None),
])
def test_kind_of_agreement(facts, text, reading):
    assert facts.reading("agreement_kind", text) == reading


@pytest.mark.parametrize("text, reading", [
    ("Projektet stärker vår ordinarie verksamhet inom avfall.", HOLDS),
    ("Resan har inget med vår verksamhet att göra, den är mest för nöjes skull.", BREAKS),
    ("Får vi vara med i ett EU-projekt om energi?", None),
])
def test_support_for_the_operation(facts, text, reading):
    assert facts.reading("supports_operation", text) == reading
