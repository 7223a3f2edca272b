"""Lemmatise Swedish text with the pipeline built by :mod:`nlp.build_pipeline`."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from nlp.build_pipeline import DEFAULT_OUTPUT


@lru_cache(maxsize=4)
def load_pipeline(path: Path = DEFAULT_OUTPUT) -> Language:
    """Load the saved pipeline once per process; fails loudly when it was not built."""
    if not path.exists():
        raise FileNotFoundError(
            f"spaCy pipeline missing at {path}: run 'make setup' (python -m nlp.build_pipeline)"
        )
    return spacy.load(path)


def lemmatize(text: str, path: Path = DEFAULT_OUTPUT) -> list[str]:
    """Return the lemmas of the alphanumeric tokens in ``text``, lower-cased first."""
    doc = load_pipeline(path)(text.lower())
    return [t.lemma_ for t in doc if not (t.is_punct or t.is_space)]
