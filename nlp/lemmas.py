"""Lemmatise Swedish text for the action server and the review app.

Uses exactly the data the spaCy pipeline is built from (the Swedish lookup
table of ``spacy-lookups-data`` plus ``nlp/lemma_overrides.yml``) but reads
it directly, without importing spaCy: importing spaCy pulls in thinc and
TensorFlow, about 600 MB and several seconds per process, for what is a
dictionary lookup. Rasa itself loads the built pipeline by path
(``config.yml``). Text is lower-cased before lookup, as the table requires.
"""
from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from nlp.build_pipeline import load_overrides

_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS_PATH = Path(__file__).resolve().parent / "stopwords_sv.yml"


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """The Swedish lookup table with the project's overrides (loaded once per process)."""
    data = resources.files("spacy_lookups_data").joinpath("data").joinpath("sv_lemma_lookup.json.gz")
    with gzip.open(str(data), "rt", encoding="utf-8") as handle:
        table = json.load(handle)
    table.update(load_overrides())
    return table


def lemmatize(text: str) -> list[str]:
    """The lemmas of the words in ``text``, lower-cased first."""
    table = lemma_table()
    return [table.get(word, word) for word in _WORD.findall(text.lower())]


def stop_words(path: Path = STOPWORDS_PATH, key: str = "stopwords") -> frozenset[str]:
    """A word list of ``nlp/stopwords_sv.yml`` (``stopwords``, or ``grouping_extra``), lower-cased."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words = data.get(key)
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError(f"{path}: '{key}' must be a list of words")
    return frozenset(w.lower() for w in words)
