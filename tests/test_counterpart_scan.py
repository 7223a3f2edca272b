"""The gazetteer's text scan (``Gazetteer.find``) finds exactly what the straightforward scan found:
every run of up to six words, each normalised and looked up in turn."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
import yaml

from actions.counterparts import _WORD, MAX_NAME_WORDS, MIN_LOWERCASE_NAME, Counterpart, Gazetteer, normalise

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load(ROOT / "data" / "lookups" / "counterparts.yml")


def reference_find(gazetteer: Gazetteer, text: str) -> Optional[Counterpart]:
    """The scan as first written: every candidate run normalised and checked from scratch."""
    words = [w.strip(".-'") for w in _WORD.findall(text)]
    for start in range(len(words)):
        for length in range(min(MAX_NAME_WORDS, len(words) - start), 0, -1):
            original = " ".join(words[start:start + length])
            if not original:
                continue
            if length == 1 and len(original) < MIN_LOWERCASE_NAME and not original[0].isupper():
                continue
            if normalise(original) in gazetteer._scan_ignore or not gazetteer.plausible(original):
                continue
            found = gazetteer.resolve(original) if length == 1 else gazetteer._names.get(normalise(original))
            if found is not None:
                return found
    return None


def texts() -> list[str]:
    """Development questions, and names of the gazetteer placed in sentences in several spellings."""
    found = [item["text"] for path in sorted((ROOT / "tests" / "dev").glob("*.yml"))
             for item in _items(path) for item in ([item] if "text" in item else [])]
    found += [t for path in sorted((ROOT / "tests" / "dev").glob("conversations*.yml"))
              for c in _items(path) for t in c.get("turns", [])]
    found += [item["text"] for item in _items(ROOT / "tests" / "search_dev.yml")]
    data = yaml.safe_load((ROOT / "data" / "lookups" / "counterparts.yml").read_text(encoding="utf-8"))
    names = [line.strip()[2:].strip() for item in data["nlu"] for line in item.get("examples", "").splitlines()
             if line.strip().startswith("- ")]
    for i, name in enumerate(names):
        spelling = (name, name.lower(), name.upper(), name + "s", f"'{name}'.")[i % 5]
        found.append(f"Får vi {'och ' * (i % 3)}samarbeta med {spelling} om {names[(i * 7) % len(names)]}?")
    found += ["WHO och who", "på vår sida", "SIDA:s stöd", "  - . ' ", "New  York", "EU:s regler", "Malmö–Berlin"]
    return found


def _items(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict):
        data = next(v for v in data.values() if isinstance(v, list))
    return [item for item in data if isinstance(item, dict)]


def test_scan_finds_what_the_reference_scan_finds(gazetteer):
    cases = texts()
    assert len(cases) > 1000
    found = [(text, gazetteer.find(text)) for text in cases]
    assert sum(f is not None for _, f in found) > 500  # the comparison covers many hits, not only misses
    assert [(t, f) for t, f in found if f != reference_find(gazetteer, t)] == []
