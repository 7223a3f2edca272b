"""The counterpart gazetteer: canonical names, types and tags of foreign
cities, countries and organisations.

The single source is ``data/lookups/counterparts.yml``, which Rasa also
trains on as lookup tables and synonyms. Here the same file resolves what
DIET extracted (or, when DIET found nothing, a name in the text) to one
canonical Swedish name with its type (city, country, organisation) and tags
(capital, nordic_capital, eu_member, nordic) that the knowledge base tailors
answers by.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

TYPES = ("city", "country", "organisation")
TAG_TABLES = ("capital", "nordic_capital", "eu_member", "nordic")
MAX_NAME_WORDS = 6
MIN_LOWERCASE_NAME = 6
DEFAULT_SCAN_IGNORE = Path(__file__).resolve().parent.parent / "nlp" / "counterpart_scan_ignore.yml"
_WORD = re.compile(r"[\w+\-.&']+", re.UNICODE)


class GazetteerError(ValueError):
    """The counterparts file is invalid."""


@dataclass(frozen=True)
class Counterpart:
    name: str
    type: str
    tags: frozenset[str]

    @property
    def all_tags(self) -> frozenset[str]:
        """Tags including the type, as knowledge tailoring refers to both."""
        return self.tags | {self.type}


def normalise(text: str) -> str:
    """Lower-case, strip diacritics and collapse spaces: 'Köpenhamn ' -> 'kopenhamn'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("\u2019", "'").split())


def _scan_ignore(path: Optional[Path]) -> tuple[frozenset[str], frozenset[str]]:
    """The names the text scan skips, and the function words that are never a counterpart in lower case."""
    if path is None:
        return frozenset(), frozenset()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise GazetteerError(f"{path}: cannot read: {exc}") from exc
    lists = []
    for key in ("ignore", "function_words"):
        names = data.get(key) or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise GazetteerError(f"{path}: '{key}' must be a list of names")
        lists.append(frozenset(names))
    return lists[0], lists[1]


def _examples(block: str) -> list[str]:
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]


class Gazetteer:
    """Resolve names and find counterparts in free text."""

    def __init__(self, names: dict[str, Counterpart], scan_ignore: frozenset[str] = frozenset(),
                 function_words: frozenset[str] = frozenset()) -> None:
        self._names = names
        self._scan_ignore = frozenset(normalise(n) for n in scan_ignore)
        self._function_words = frozenset(normalise(w) for w in function_words)
        # The first word of every name: the text scan skips a word no name starts with.
        self._first_words = frozenset(key.split(" ")[0] for key in names)

    @classmethod
    def load(cls, path: Path, scan_ignore_file: Optional[Path] = DEFAULT_SCAN_IGNORE) -> "Gazetteer":
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise GazetteerError(f"{path}: cannot read: {exc}") from exc
        tables: dict[str, list[str]] = {}
        synonyms: dict[str, list[str]] = {}
        for item in data.get("nlu") or []:
            if "lookup" in item:
                tables[item["lookup"]] = _examples(item.get("examples", ""))
            elif "synonym" in item:
                synonyms[item["synonym"]] = _examples(item.get("examples", ""))
        missing = [t for t in TYPES if t not in tables]
        if missing:
            raise GazetteerError(f"{path}: lookup tables missing: {', '.join(missing)}")
        tag_sets = {tag: {normalise(n) for n in tables.get(tag, [])} for tag in TAG_TABLES}
        canonical: dict[str, Counterpart] = {}
        for kind in TYPES:
            for name in tables[kind]:
                key = normalise(name)
                tags = frozenset(tag for tag, members in tag_sets.items() if key in members)
                canonical.setdefault(key, Counterpart(name=name, type=kind, tags=tags))
        names = dict(canonical)
        for target, variants in synonyms.items():
            counterpart = canonical.get(normalise(target))
            if counterpart is None:
                raise GazetteerError(f"{path}: synonym {target!r} is not in a lookup table")
            for variant in variants:
                names.setdefault(normalise(variant), counterpart)
        return cls(names, *_scan_ignore(scan_ignore_file))

    def resolve(self, name: str) -> Optional[Counterpart]:
        """The counterpart a name (any spelling, genitive included) refers to."""
        return self._lookup(normalise(name))

    def find(self, text: str) -> Optional[Counterpart]:
        """The first (longest) counterpart named in ``text``, if any.

        Short single words must be capitalised to count ("på vår sida" is not
        Sida); longer names and multi-word names match in any case.

        Each word is normalised once: a run of words normalises to its words'
        normal forms joined by spaces (empty ones left out), and only runs
        that a name could match are checked further.
        """
        words = [w.strip(".-'") for w in _WORD.findall(text)]
        keys = [normalise(w) for w in words]
        for start in range(len(words)):
            if not self._may_start(keys[start]):
                continue
            for length in range(min(MAX_NAME_WORDS, len(words) - start), 0, -1):
                key = " ".join(k for k in keys[start:start + length] if k)
                found = self._lookup(key) if length == 1 else self._names.get(key)
                if found is None:
                    continue
                original = " ".join(words[start:start + length])
                if not original:
                    continue
                if length == 1 and len(original) < MIN_LOWERCASE_NAME and not original[0].isupper():
                    continue
                if key in self._scan_ignore or not self._plausible(original, key):
                    continue
                return found
        return None

    def _may_start(self, key: str) -> bool:
        """Whether a name can start at a word of normal form ``key`` (an empty or spaced one: maybe)."""
        if not key or " " in key or key in self._first_words:
            return True
        return key.endswith("s") and key[:-1] in self._names

    def _lookup(self, key: str) -> Optional[Counterpart]:
        """The counterpart of a normalised name, genitive included (``resolve`` after normalising)."""
        found = self._names.get(key)
        if found is None and key.endswith("s"):
            found = self._names.get(key[:-1])
        return found

    def plausible(self, surface: str) -> bool:
        """Whether ``surface`` as written can name a counterpart: a function word only in capitals ("WHO")."""
        return self._plausible(surface, normalise(surface))

    def _plausible(self, surface: str, key: str) -> bool:
        return key not in self._function_words or (surface.isupper() and len(surface) > 1)

    def counterpart_of(self, extracted: Optional[str], text: str) -> Optional[Counterpart]:
        """What NLU extracted, resolved to its canonical name; else a name found in the text."""
        if extracted:
            resolved = self.resolve(extracted)
            if resolved is not None:
                return resolved
        return self.find(text)

    def counterpart_in(self, text: str, entity: Optional[dict]) -> Optional[Counterpart]:
        """The counterpart of a message: NLU's ``entity`` (value, start, end) where its words as typed
        can name one, else a name found in the text."""
        if entity and isinstance(entity.get("value"), str):
            start, end = entity.get("start"), entity.get("end")
            surface = text[start:end] if isinstance(start, int) and isinstance(end, int) else entity["value"]
            if self.plausible(surface):
                resolved = self.resolve(entity["value"])
                if resolved is not None:
                    return resolved
        return self.find(text)

    def __len__(self) -> int:
        return len(self._names)
