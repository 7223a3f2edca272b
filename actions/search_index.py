"""Scoring structures of the knowledge search (``actions/search.py``): BM25 with
character n-gram TF-IDF over the entries, and a linear SVM over example questions."""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Callable

BM25_K1 = 1.2
BM25_B = 0.75
# Entry similarity: this share from BM25, the rest from the n-gram cosine.
BM25_SHARE = 0.5
# A query word unknown to an index weighs as much as a median term of it.
UNKNOWN_TERM_WEIGHT = 1.0
# Queries with fewer (known or unknown) words are scored as if they had this many.
MIN_QUERY_WORDS = 2
SVC_C = 0.5
SVC_TEMPERATURE = 3.0


class Index:
    """BM25 and character n-gram TF-IDF statistics over a list of documents.

    The scores are computed for all documents at once over dense matrices
    (term x document), one row per query term in the query's order, summed
    along the rows: the same products and the same order of additions as a
    loop over documents and terms, so the same floats to the last bit
    (``tests/test_search_index.py`` compares with that loop).
    """

    def __init__(self, terms: list[Counter], ngrams: list[Counter]) -> None:
        import numpy as np

        n_docs = len(terms)
        self.terms = terms
        self.lengths = [sum(c.values()) for c in terms]
        self.avg_length = sum(self.lengths) / max(n_docs, 1)
        df: Counter = Counter()
        for counts in terms:
            df.update(counts.keys())
        self.idf = {t: math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        median = sorted(self.idf.values())[len(self.idf) // 2] if self.idf else 1.0
        self.unknown_idf = median * UNKNOWN_TERM_WEIGHT
        ngram_df: Counter = Counter()
        for counts in ngrams:
            ngram_df.update(counts.keys())
        self.ngram_idf = {g: math.log((1 + n_docs) / (1 + d)) + 1 for g, d in ngram_df.items()}
        self.unknown_ngram_idf = math.log(1 + n_docs) + 1
        self.ngrams = [self.ngram_vector(c) for c in ngrams]
        # Term frequencies and n-gram weights, one row per term or n-gram, one column per document.
        self.term_rows = {t: i for i, t in enumerate(self.idf)}
        self.tf = np.zeros((len(self.term_rows), n_docs))
        for d, counts in enumerate(terms):
            for t, tf in counts.items():
                self.tf[self.term_rows[t], d] = tf
        self.norms = np.array([BM25_K1 * (1 - BM25_B + BM25_B * length / self.avg_length) for length in self.lengths])
        self.ngram_rows = {g: i for i, g in enumerate(ngram_df)}
        self.ngram_weights = np.zeros((len(self.ngram_rows), n_docs))
        for d, vector in enumerate(self.ngrams):
            for g, weight in vector.items():
                self.ngram_weights[self.ngram_rows[g], d] = weight

    def bm25(self, weights: dict[str, float], unknown: float) -> list[float]:
        """BM25 per document divided by the best score the query could reach (0..1)."""
        import numpy as np

        ceiling = sum(w * self.idf.get(t, self.unknown_idf) for t, w in weights.items())
        # A one-word query ("utlandet") says too little to match an entry fully:
        # it is scored as if the missing words were unknown ones.
        missing = max(0.0, MIN_QUERY_WORDS - sum(weights.values()) - unknown)
        ceiling += (unknown + missing) * self.unknown_idf
        known = [(self.term_rows[t], w * self.idf[t]) for t, w in weights.items() if t in self.term_rows]
        if ceiling <= 0 or not known:
            return [0.0] * len(self.terms)
        rows, factors = zip(*known)
        tf = self.tf[list(rows)]
        # Per term and document: weight * idf * tf * (k1 + 1) / (tf + norm), evaluated left to right.
        parts = np.array(factors)[:, None] * tf * (BM25_K1 + 1) / (tf + self.norms)
        return (parts.sum(axis=0) / ((BM25_K1 + 1) * ceiling)).tolist()

    def ngram_vector(self, counts: Counter) -> dict[str, float]:
        """Sub-linear TF-IDF of character n-grams, L2-normalised."""
        vector = {
            g: (1 + math.log(c)) * self.ngram_idf.get(g, self.unknown_ngram_idf) for g, c in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items()}

    def cosine(self, counts: Counter) -> list[float]:
        """Cosine similarity of the query's n-grams to every document."""
        import numpy as np

        known = [(self.ngram_rows[g], w) for g, w in self.ngram_vector(counts).items() if g in self.ngram_rows]
        if not known:
            return [0.0] * len(self.ngrams)
        rows, weights = zip(*known)
        return (np.array(weights)[:, None] * self.ngram_weights[list(rows)]).sum(axis=0).tolist()

    def scores(self, weights: dict[str, float], unknown: float, ngrams: Counter) -> list[float]:
        """The combined 0..1 score per document."""
        return [
            BM25_SHARE * b + (1 - BM25_SHARE) * c
            for b, c in zip(self.bm25(weights, unknown), self.cosine(ngrams))
        ]


class TextFeatures:
    """TF-IDF of the index terms (stems and compound parts) and of their character n-grams,
    fitted once and shared by the topic and the entry classifier (one transform per message).

    ``terms`` gives a text's terms, ``ngrams`` its n-grams already counted (the search has
    counted them for the similarities)."""

    def __init__(self, texts: list[str], terms: Callable[[str], list[str]],
                 ngrams: Callable[[str], Counter]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizers = (
            TfidfVectorizer(analyzer=terms, sublinear_tf=True).fit(texts),
            TfidfVectorizer(analyzer=lambda text: list(ngrams(text).elements()), sublinear_tf=True,
                            min_df=2).fit(texts),
        )
        counters: tuple[Callable[[str], Counter], ...] = (lambda text: Counter(terms(text)), ngrams)
        # Read once: scikit-learn recomputes idf_ from a sparse matrix on every access.
        self.parts = [(count, v.vocabulary_, v.idf_.tolist()) for count, v in zip(counters, self.vectorizers)]

    def transform(self, texts: list[str]) -> Any:
        """The feature rows of ``texts`` (a sparse matrix, one row per text)."""
        from scipy.sparse import hstack

        return hstack([v.transform(texts) for v in self.vectorizers]).tocsr()

    def row(self, text: str) -> tuple[Any, Any]:
        """One text's non-zero features as (column indices, values): what ``transform`` computes
        (sublinear TF × IDF, each vectorizer's part L2-normalised), without scikit-learn's
        per-call overhead (a message is scored on every turn). Columns come in the order of
        their tokens' first occurrence."""
        import numpy as np

        columns: list[int] = []
        values: list[float] = []
        offset = 0
        for count, vocabulary, idf in self.parts:
            known = [(vocabulary[t], n) for t, n in count(text).items() if t in vocabulary]
            part = [(i, (1.0 + math.log(n)) * idf[i]) for i, n in known]
            norm = math.sqrt(sum(v * v for _, v in part)) or 1.0
            columns += [offset + i for i, _ in part]
            values += [v / norm for _, v in part]
            offset += len(vocabulary)
        return np.array(columns, dtype=np.int64), np.array(values)


class TopicClassifier:
    """A linear SVM over example texts, with softmax probabilities per label (intent or entry)."""

    def __init__(self, features: TextFeatures, texts: list[str], labels: list[str]) -> None:
        import numpy as np
        from sklearn.svm import LinearSVC

        self.features = features
        self.model = LinearSVC(C=SVC_C).fit(features.transform(texts), labels)
        # Read once: iterating the model's NumPy array of labels costs more than the softmax itself.
        self.labels: list[str] = self.model.classes_.tolist()
        # One row of weights per feature (a message's features are gathered as rows, see decision_values).
        self.weights_by_feature = np.ascontiguousarray(self.model.coef_.T)

    def probabilities(self, text: str) -> dict[str, float]:
        """P(label | text) for every label of the examples."""
        return self.probabilities_of(self.features.transform([text]))

    def probabilities_of(self, row: Any) -> dict[str, float]:
        """P(label | text) from the text's feature row (``TextFeatures.transform``)."""
        return self._softmax(self.model.decision_function(row)[0])

    def probabilities_of_row(self, columns: Any, values: Any) -> dict[str, float]:
        """P(label | text) from ``TextFeatures.row``: the SVM's decision values as one small product."""
        return self._softmax(self.decision_values(columns, values))

    def decision_values(self, columns: Any, values: Any) -> Any:
        """The SVM's decision value per label for one feature row: the features' weights summed in the
        row's order, plus the intercept.

        Not a BLAS product: for a long message OpenBLAS splits the product over threads, whose
        workers then spin for a while after it (as much CPU again as the whole answer), and its
        last bits depend on the number of threads. This sum is the same on every machine
        (``tests/test_search_index.py`` checks it against the plain loop)."""
        return (self.weights_by_feature[columns] * values[:, None]).sum(axis=0) + self.model.intercept_

    def _softmax(self, decision: Any) -> dict[str, float]:
        decision = (decision * SVC_TEMPERATURE).tolist()
        top = max(decision)  # once, not once per label (it was the classifiers' main cost)
        exps = [math.exp(d - top) for d in decision]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.labels, exps)}
