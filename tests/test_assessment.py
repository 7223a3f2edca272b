"""The assessment logic: the principles that decide a case change the verdict."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from actions.assessment import AssessmentGuide, Case
from actions.case_parsing import classify_directions, classify_financing, parse_date
from actions.knowledge import KnowledgeError, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def guide() -> AssessmentGuide:
    return AssessmentGuide.load(ROOT / "knowledge", load_knowledge(ROOT / "knowledge"))


def full_case(**changes) -> Case:
    values = dict(engagement_type="delegation", counterpart="Kenya", purpose="Lära oss om deras hemtjänst",
                  directions=["Samverkan"], operation="Hemtjänsten", department="Äldreförvaltningen",
                  planned_date="2027-03", planned_date_text="mars 2027", financing="counterpart",
                  financing_text="Motparten betalar")
    values.update(changes)
    return Case(**values)


def test_a_complete_delegation_case_can_go_ahead_with_conditions(guide):
    result = guide.assess(full_case())
    assert result.verdict == "conditional"
    assert result.requirements and result.deciders and not result.missing
    assert "delegationsbesok.prioritera-besok" in result.cited


def test_twinning_is_never_recommended_however_complete(guide):
    result = guide.assess(full_case(engagement_type="twinning", counterpart="Berlin"))
    assert result.verdict == "not_recommended"
    assert any("vänortsavtal" in text for text in result.against)


@pytest.mark.parametrize("financing, verdict", [
    ("external", "conditional"), ("counterpart", "conditional"), ("own", "not_recommended"),
    ("shared", "not_recommended"), ("unknown", "incomplete"), (None, "incomplete"),
])
def test_aid_passes_only_when_others_cover_the_costs(guide, financing, verdict):
    result = guide.assess(full_case(engagement_type="aid_project", financing=financing, financing_text="x"))
    assert result.verdict == verdict


def test_no_link_to_operations_or_direction_is_not_guessed_but_named_as_missing(guide):
    result = guide.assess(full_case(operation=None, directions=[]))
    assert result.verdict == "incomplete"
    assert {"operation", "directions"} <= set(result.missing)
    summary = guide.summary(full_case(operation=None, directions=[]), result)
    assert "vilken verksamhet det gäller" in summary


def test_agreement_requires_a_concrete_direction_and_memo_ends_with_sources(guide):
    case = full_case(engagement_type="cooperation_agreement", counterpart="Helsingfors", nordic=True)
    result = guide.assess(case)
    assert any("konkret inriktning" in r for r in result.requirements)
    assert any("nordisk" in f for f in result.for_)
    memo = guide.memo(case, result)
    assert memo.splitlines()[-len(result.cited) - 1] == "Källor:"
    assert "Helsingfors" in memo


def test_assessment_file_citing_a_missing_entry_fails(tmp_path):
    data = yaml.safe_load((ROOT / "knowledge" / "assessment.yml").read_text(encoding="utf-8"))
    data["contact"]["cites"] = ["finns.inte"]
    (tmp_path / "assessment.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="finns.inte"):
        AssessmentGuide.load(tmp_path, load_knowledge(ROOT / "knowledge"))


@pytest.mark.parametrize("text, iso", [
    ("15 mars", "2027-03-15"), ("den 3:e juni 2027", "2027-06-03"), ("2027-05-02", "2027-05-02"),
    ("15/3", "2027-03-15"), ("i december", "2026-12"), ("Kan vi ta emot en delegation från Kenya i mars?", "2027-03"),
])
def test_swedish_dates(text, iso):
    assert parse_date(text, TODAY).iso == iso


@pytest.mark.parametrize("text", ["snart", "31 februari", "nästa vecka kanske", ""])
def test_unreadable_dates_are_refused(text):
    assert parse_date(text, TODAY) is None


def test_directions_and_financing_from_free_text(guide):
    assert classify_directions("samverkan och lite påverkan", guide.data["directions"]) == ["Samverkan", "Påverkan"]
    assert classify_financing("Sida betalar allt", guide.data["financing"]) == "external"
    assert classify_financing("vi själva", guide.data["financing"]) == "own"
    assert classify_financing("EU-medel och egen budget", guide.data["financing"]) == "shared"
    assert classify_financing("hmm", guide.data["financing"]) is None
