"""Counterparts: canonical Swedish names, types and tags from the gazetteer."""
from __future__ import annotations

from pathlib import Path

import pytest

from actions.counterparts import Gazetteer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load(ROOT / "data" / "lookups" / "counterparts.yml")


@pytest.mark.parametrize("spelling", ["Köpenhamn", "Kopenhamn", "Copenhagen", "köpenhamn", "København"])
def test_spellings_resolve_to_the_swedish_name(gazetteer, spelling):
    found = gazetteer.resolve(spelling)
    assert found is not None and found.name == "Köpenhamn"
    assert found.type == "city"
    assert {"capital", "nordic_capital"} <= found.tags


def test_types_and_tags(gazetteer):
    assert gazetteer.resolve("Berlin").tags >= {"capital"}
    assert "nordic_capital" not in gazetteer.resolve("Berlin").tags
    assert gazetteer.resolve("Kenya").type == "country"
    assert gazetteer.resolve("Eurocities").type == "organisation"
    assert gazetteer.resolve("Tyskland").tags >= {"eu_member"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Får vi teckna ett vänortsavtal med Berlin?", "Berlin"),
        ("kan vi hosta en delegation fran helsinki", "Helsingfors"),
        ("Kenyas ambassad vill besöka oss", "Kenya"),
        ("Ska vi gå med i Union of the Baltic Cities?", "Union of the Baltic Cities"),
    ],
)
def test_names_are_found_in_free_text(gazetteer, text, expected):
    assert gazetteer.find(text).name == expected


@pytest.mark.parametrize(
    "text",
    ["Det står på vår sida om projektet", "Får vi söka pengar inom EU:s program?", "Hur fyller jag i min tidrapport?"],
)
def test_ordinary_words_and_generic_eu_are_not_counterparts(gazetteer, text):
    assert gazetteer.find(text) is None


def test_extracted_value_is_canonicalised_and_text_is_the_fallback(gazetteer):
    assert gazetteer.counterpart_of("Copenhagen", "…").name == "Köpenhamn"
    assert gazetteer.counterpart_of(None, "ett avtal med Tammerfors").name == "Tammerfors"
    assert gazetteer.counterpart_of("okänd plats", "ingen ort här") is None
