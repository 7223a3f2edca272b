"""The search's scores computed over matrices (actions/search_index.py) equal the plain loops they
replaced: BM25 and the n-gram cosine to the last bit, the SVM's decision values as the sum in the
feature row's order (and scikit-learn's own up to rounding)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from actions.knowledge import load_knowledge
from actions.search import KnowledgeSearch
from actions.search_index import BM25_B, BM25_K1, Index
from actions.search_text import ngrams
from nlp.lemmas import lemmatize

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def search() -> KnowledgeSearch:
    return KnowledgeSearch.build(load_knowledge(ROOT / "knowledge"), lemmatize)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Development questions (short, long, typos, English) and a few odd ones."""
    items = _items(ROOT / "tests" / "search_dev.yml")
    entries = _items(ROOT / "tests" / "dev" / "entries.yml")
    return ([i["text"] for i in items[::4]] + [i["text"] for i in entries[::4]]
            + ["vänort", "utlandet", "xyzzy qwerty", "Stockholm Stockholm Stockholm", "å ä ö"])


def _items(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return next(v for v in data.values() if isinstance(v, list)) if isinstance(data, dict) else data


def reference_bm25(index: Index, weights: dict[str, float], unknown: float) -> list[float]:
    """BM25 as first written: a loop over documents and query terms."""
    ceiling = sum(w * index.idf.get(t, index.unknown_idf) for t, w in weights.items())
    missing = max(0.0, 2 - sum(weights.values()) - unknown)
    ceiling += (unknown + missing) * index.unknown_idf
    scores = [0.0] * len(index.terms)
    if ceiling <= 0:
        return scores
    for i, (terms, length) in enumerate(zip(index.terms, index.lengths)):
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / index.avg_length)
        total = 0.0
        for term, weight in weights.items():
            tf = terms.get(term, 0)
            if tf:
                total += weight * index.idf[term] * tf * (BM25_K1 + 1) / (tf + norm)
        scores[i] = total / ((BM25_K1 + 1) * ceiling)
    return scores


def reference_cosine(index: Index, counts) -> list[float]:
    """The cosine as first written: postings of each query n-gram added document by document."""
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, vector in enumerate(index.ngrams):
        for g, weight in vector.items():
            postings.setdefault(g, []).append((i, weight))
    scores = [0.0] * len(index.ngrams)
    for g, w in index.ngram_vector(counts).items():
        for i, weight in postings.get(g, ()):
            scores[i] += w * weight
    return scores


def test_bm25_and_cosine_equal_the_loops_to_the_last_bit(search, texts):
    index = search.entry_index
    compared = 0
    for text in texts:
        words = search.analyzer.words(text)
        weights, unknown = search._query_terms(words)
        for scale in (1.0, 0.7):  # fuzzy and compound-tail matches weigh less than 1
            scaled = {t: w * scale for t, w in weights.items()}
            assert index.bm25(scaled, unknown) == reference_bm25(index, scaled, unknown), text
        assert index.cosine(ngrams(words)) == reference_cosine(index, ngrams(words)), text
        compared += any(index.bm25(weights, unknown))
    assert compared > 30  # most texts match some entry: the comparison is not of zeros


@pytest.mark.parametrize("which", ["classifier", "entry_classifier"])
def test_decision_values_are_the_sum_in_row_order(search, texts, which):
    classifier = getattr(search, which)
    coef, intercept = classifier.model.coef_, classifier.model.intercept_
    for text in texts:
        columns, values = search.features.row(text)
        got = classifier.decision_values(columns, values).tolist()
        for label, value in enumerate(got):
            total = 0.0
            for column, x in zip(columns.tolist(), values.tolist()):
                total += coef[label, column] * x
            expected = total + intercept[label] if len(columns) else intercept[label]
            assert value == expected, (text, label)
        sklearn = classifier.model.decision_function(search.features.transform([text]))[0]
        assert max(abs(a - b) for a, b in zip(got, sklearn)) < 1e-12
        probabilities = classifier.probabilities_of_row(columns, values)
        assert list(probabilities) == classifier.model.classes_.tolist()
        assert math.isclose(sum(probabilities.values()), 1.0)
