"""What the knowledge search knows about Swedish words beyond the spelling.

``knowledge/synonyms.yml`` (validated here, KnowledgeError when broken):

``synonyms``
    Groups of words that mean the same in questions about the city's
    international work ("systerstad", "vänort"); the first word names the group.
``phrases``
    Particle verbs read as one word ("ta emot" → motta, "skriva under" →
    underteckna): the particle is a stop word, so without this "ta emot en
    delegation" and "ta fram en delegation" would look alike.
``lemmas``
    Corrections of the lemma table for the search ("länder" is read as the
    verb "lända" by the table, "företag" as "företa").
``cue_words``
    Stop words that still tell topics apart for the topic classifier:
    direction ("från", "hit" for visits to us; "till" for trips abroad),
    modality ("får", "måste"), scope ("alla", "varje").

The lemma table itself (:class:`Lexicon`, from ``spacy-lookups-data`` with the
project's overrides) gives base forms to whole words, to the last part of
compounds ("vänstäder" → vänstad) and to words written without å/ä/ö.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import yaml

from actions.knowledge import KnowledgeError

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY_PATH = ROOT / "knowledge" / "synonyms.yml"
MIN_HEAD = 3  # shortest first part of a compound, in characters
MIN_TAIL = 4  # shortest last part of a compound looked up in the lexicon
MAX_PARTICLE_GAP = 2  # words (stop words only) allowed between a verb and its particle


@dataclass(frozen=True)
class Vocabulary:
    """The contents of ``knowledge/synonyms.yml``."""

    groups: tuple[tuple[str, ...], ...] = ()
    phrases: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (verb, particle) -> word
    lemmas: Mapping[str, str] = field(default_factory=dict)  # word -> its lemma for the search
    cue_words: frozenset[str] = frozenset()


def _single_word(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.split()) != 1:
        raise KnowledgeError(f"{where}: {value!r} is not a single word")
    return value.strip().lower()


def _groups(raw: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(raw, list) or not raw:
        raise KnowledgeError(f"{where}: 'synonyms' must be a non-empty list of word lists")
    seen: dict[str, int] = {}
    result = []
    for number, group in enumerate(raw, start=1):
        at = f"{where}: synonym group {number}"
        if not isinstance(group, list) or len(group) < 2:
            raise KnowledgeError(f"{at}: must be a list of at least two words")
        words = tuple(_single_word(w, at) for w in group)
        for word in words:
            if word in seen:
                raise KnowledgeError(f"{at}: {word!r} is already in group {seen[word]}")
            seen[word] = number
        result.append(words)
    return tuple(result)


def _phrases(raw: Any, where: str) -> dict[tuple[str, str], str]:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: 'phrases' must map \"verb particle\" to one word")
    result = {}
    for phrase, word in raw.items():
        parts = phrase.lower().split() if isinstance(phrase, str) else []
        if len(parts) != 2:
            raise KnowledgeError(f"{where}: phrase {phrase!r} must be two words, a verb and its particle")
        result[(parts[0], parts[1])] = _single_word(word, f"{where}: phrase {phrase!r}")
    return result


def _lemmas(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: 'lemmas' must map words to their lemmas")
    return {_single_word(k, f"{where}: lemmas"): _single_word(v, f"{where}: lemma of {k!r}") for k, v in raw.items()}


def _cue_words(raw: Any, where: str) -> frozenset[str]:
    if not isinstance(raw, list):
        raise KnowledgeError(f"{where}: 'cue_words' must be a list of words")
    return frozenset(_single_word(w, f"{where}: cue_words") for w in raw)


def load_vocabulary(path: Path = VOCABULARY_PATH) -> Vocabulary:
    """Read and validate ``knowledge/synonyms.yml``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path.name}: must be a mapping with 'synonyms', 'phrases', 'lemmas', 'cue_words'")
    unknown = sorted(set(data) - {"synonyms", "phrases", "lemmas", "cue_words"})
    if unknown:
        raise KnowledgeError(f"{path.name}: unknown section(s) {', '.join(map(str, unknown))}")
    return Vocabulary(
        groups=_groups(data.get("synonyms"), path.name),
        phrases=_phrases(data.get("phrases") or {}, path.name),
        lemmas=_lemmas(data.get("lemmas") or {}, path.name),
        cue_words=_cue_words(data.get("cue_words") or [], path.name),
    )


_FOLD = str.maketrans("åäöéÅÄÖÉ", "aaoeAAOE")


@dataclass(frozen=True)
class Lexicon:
    """The lemma table (inflected form -> base form) and its base forms, also without å/ä/ö."""

    inflected: Mapping[str, str]
    base_forms: Mapping[str, str]
    folded_inflected: Mapping[str, str]
    folded_base_forms: Mapping[str, str]

    @classmethod
    def from_table(cls, table: Mapping[str, str]) -> "Lexicon":
        bases = {b: b for b in table.values()}
        folded_inflected: dict[str, str] = {}
        for form, base in table.items():
            folded = form.translate(_FOLD)
            if folded != form:
                folded_inflected.setdefault(folded, base)
        folded_bases: dict[str, str] = {}
        for base in bases:
            folded = base.translate(_FOLD)
            if folded != base:
                folded_bases.setdefault(folded, base)
        return cls(table, bases, folded_inflected, folded_bases)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The project's lemma table as a :class:`Lexicon` (built once per process, about 0.5 s)."""
    from nlp.lemmas import lemma_table

    return Lexicon.from_table(lemma_table())


def base_form(word: str, lexicon: Lexicon) -> Optional[str]:
    """``word``'s base form if the lexicon knows it or the last part of it as a compound, else None.

    "vänstäder" → vänstad (städer → stad), "vänstad" → vänstad (stad is a base
    form), so base and inflected forms give the same term, which the stemmer
    alone does not ("vänstad" → vänst). A word written without å/ä/ö is looked
    up as such too ("sager" → säga).
    """
    found = _base_form(word, (lexicon.inflected,), (lexicon.base_forms,))
    if found is None and word.isascii():
        found = _base_form(word, (lexicon.folded_inflected, lexicon.inflected),
                           (lexicon.folded_base_forms, lexicon.base_forms))
    return found


def _lookup(maps: Sequence[Mapping[str, str]], key: str) -> Optional[str]:
    return next((m[key] for m in maps if key in m), None)


def _base_form(word: str, inflected: Sequence[Mapping[str, str]],
               bases: Sequence[Mapping[str, str]]) -> Optional[str]:
    found = _lookup(bases, word) or _lookup(inflected, word)
    if found is not None:
        return found
    for cut in range(MIN_HEAD, len(word) - MIN_TAIL + 1):
        head, tail = word[:cut], word[cut:]
        if _lookup(bases, head) is None and not (head.endswith("s") and _lookup(bases, head[:-1])):
            continue  # both parts must be words ("förvaltningen" is not förvaltn + ingen)
        found = _lookup(bases, tail) or _lookup(inflected, tail)
        if found is not None and len(found) <= len(tail):  # an ending removed, never added ("holm" ≠ holme)
            return head + found
    return None
