"""Knowledge search: rank knowledge entries by meaning when the intents fall short.

Placeholder docstring; replaced once the constants are tuned.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

import yaml

from actions.knowledge import Entry, KnowledgeBase

STOPWORDS_PATH = Path(__file__).resolve().parent.parent / "nlp" / "stopwords_sv.yml"

# How often each field's text is repeated in an entry's document.
FIELD_WEIGHTS: dict[str, int] = {
    "title": 3, "keywords": 3, "label": 1, "answer": 1, "conditions": 1, "details": 1,
}
# The same for the character n-gram documents.
NGRAM_FIELD_WEIGHTS: dict[str, int] = {"title": 1, "keywords": 1, "label": 1}
USE_STEM = True
USE_SPLIT = True
TOPIC_SHARE = 0.45
SIBLING_MODE = 'mean'
TAIL_FORMS = True
BM25_K1 = 1.2
BM25_B = 0.75
NGRAM_SIZES = (3, 4, 5)
# Share of the final score that comes from BM25; the rest is the n-gram cosine.
BM25_SHARE = 0.5
# A query term unknown to the knowledge base weighs this share of a median term.
UNKNOWN_TERM_WEIGHT = 1.0
# Smallest trigram (Dice) similarity for mapping an unknown word to a known one.
FUZZY_MIN_SIMILARITY = 0.6
MIN_PART = 3  # shortest compound part (characters)

ANSWER_THRESHOLD = 0.5
SUGGEST_THRESHOLD = 0.2

WORD = re.compile(r"\w+(?:[-:]\w+)*")
PIECE_SPLIT = re.compile(r"[-:_]")


@dataclass(frozen=True)
class Hit:
    """One ranked entry."""

    entry_id: str
    topic: str
    score: float


# ---------------------------------------------------------------- text helpers

def fold(text: str) -> str:
    """Lower-case and strip diacritics: å→a, ä→a, ö→o, é→e."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_VOWELS = frozenset("aeiouyäåö")
_STEP1 = sorted(
    "a arna erna heterna orna ad e ade ande arne are aste en anden aren heten ern ar er heter "
    "or as arnas ernas ornas es ades andes ens arens hetens erns at andet het ast s".split(),
    key=len, reverse=True,
)
_S_ENDING = frozenset("bcdfghjklmnoprtvy")
_STEP2 = ("dd", "gd", "nn", "dt", "gt", "kt", "tt")
_STEP3 = (("fullt", "full"), ("löst", "lös"), ("lig", ""), ("els", ""), ("ig", ""))


def stem(word: str) -> str:
    """Light Swedish suffix stripping (the Snowball Swedish algorithm) on a lower-case word."""
    r1 = len(word)
    for i in range(1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            r1 = max(i + 1, 3)
            break
    for suffix in _STEP1:
        if word.endswith(suffix) and len(word) - len(suffix) >= r1:
            if suffix != "s":
                word = word[: -len(suffix)]
            elif len(word) >= 2 and word[-2] in _S_ENDING:
                word = word[:-1]
            break
    for suffix in _STEP2:
        if word.endswith(suffix) and len(word) - 2 >= r1:
            word = word[:-1]
            break
    for suffix, replacement in _STEP3:
        if word.endswith(suffix) and len(word) - len(suffix) >= r1:
            word = word[: -len(suffix)] + replacement
            break
    return word


def load_stopwords(path: Path = STOPWORDS_PATH) -> frozenset[str]:
    """The folded stop words from ``nlp/stopwords_sv.yml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words = data.get("stopwords")
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError(f"{path}: 'stopwords' must be a list of words")
    return frozenset(fold(w) for w in words)


def _trigrams(term: str) -> frozenset[str]:
    padded = f" {term} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _default_lemmatize(text: str) -> list[str]:
    from nlp.lemmas import lemmatize

    return lemmatize(text)


# ---------------------------------------------------------------- the index

@dataclass
class _Analyzer:
    """Turns text into folded, stemmed index terms and into words for the n-grams."""

    lemmatize: Callable[[str], list[str]]
    stopwords: frozenset[str]
    cache: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_cache: int = 20000

    def words(self, text: str) -> list[str]:
        """Folded lemmas of the content words (stop words and 1-letter pieces dropped)."""
        result: list[str] = []
        for surface in WORD.findall(text.lower()):
            if fold(surface) in self.stopwords:
                continue
            result.extend(self._lemma_pieces(surface))
        return result

    def _lemma_pieces(self, surface: str) -> tuple[str, ...]:
        cached = self.cache.get(surface)
        if cached is None:
            lemmas = self.lemmatize(surface) or [surface]
            pieces = []
            for lemma in lemmas:
                for piece in PIECE_SPLIT.split(lemma.lower()):
                    folded = fold(piece)
                    if len(folded) >= 2 and folded not in self.stopwords:
                        pieces.append(fold(stem(piece)) if USE_STEM else folded)
            cached = tuple(pieces)
            if len(self.cache) < self.max_cache:
                self.cache[surface] = cached
        return cached


class _Index:
    """BM25 and character n-gram TF-IDF statistics over a list of documents."""

    def __init__(self, terms: list[Counter], ngrams: list[Counter]) -> None:
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

    def bm25(self, weights: dict[str, float], unknown: float) -> list[float]:
        """BM25 per document divided by the best score the query could reach (0..1)."""
        ceiling = unknown * self.unknown_idf + sum(w * self.idf.get(t, 0.0) for t, w in weights.items())
        if ceiling <= 0:
            return [0.0] * len(self.terms)
        scores = []
        for terms, length in zip(self.terms, self.lengths):
            norm = BM25_K1 * (1 - BM25_B + BM25_B * length / self.avg_length)
            total = 0.0
            for term, weight in weights.items():
                tf = terms.get(term, 0)
                if tf:
                    total += weight * self.idf[term] * tf * (BM25_K1 + 1) / (tf + norm)
            scores.append(total / ((BM25_K1 + 1) * ceiling))
        return scores

    def ngram_vector(self, counts: Counter) -> dict[str, float]:
        """Sub-linear TF-IDF of character n-grams, L2-normalised."""
        vector = {
            g: (1 + math.log(c)) * self.ngram_idf.get(g, self.unknown_ngram_idf) for g, c in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items()}

    def cosine(self, counts: Counter) -> list[float]:
        query = self.ngram_vector(counts)
        return [sum(w * doc.get(g, 0.0) for g, w in query.items()) for doc in self.ngrams]

    def scores(self, weights: dict[str, float], unknown: float, ngrams: Counter) -> list[float]:
        """The combined 0..1 score per document."""
        return [
            BM25_SHARE * b + (1 - BM25_SHARE) * c
            for b, c in zip(self.bm25(weights, unknown), self.cosine(ngrams))
        ]


@dataclass
class KnowledgeSearch:
    """BM25 over lemmas plus character n-gram TF-IDF, per entry and per topic, scores 0..1."""

    analyzer: _Analyzer
    entries: list[Entry]
    topics: list[str]
    entry_index: _Index
    topic_index: _Index
    vocabulary: frozenset[str]
    term_trigrams: dict[str, frozenset[str]]
    trigram_index: dict[str, set[str]]
    split_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, kb: KnowledgeBase, lemmatize: Optional[Callable[[str], list[str]]] = None,
        stopwords_path: Path = STOPWORDS_PATH,
    ) -> "KnowledgeSearch":
        """Index every entry of ``kb``; ``lemmatize`` defaults to :func:`nlp.lemmas.lemmatize`."""
        analyzer = _Analyzer(lemmatize or _default_lemmatize, load_stopwords(stopwords_path))
        entries = sorted(kb.entries.values(), key=lambda e: e.id)
        topics = sorted({e.topic for e in entries})
        doc_words = [_entry_words(e, kb.label(e.topic), analyzer, FIELD_WEIGHTS) for e in entries]
        ngram_words = [_entry_words(e, kb.label(e.topic), analyzer, NGRAM_FIELD_WEIGHTS) for e in entries]
        base_vocab = frozenset(w for words in doc_words for w in words)
        splitter: dict[str, tuple[str, ...]] = {}
        entry_terms = [Counter(t for w in words for t in _expand(w, base_vocab, splitter)) for words in doc_words]
        entry_ngrams = [_ngrams(words) for words in ngram_words]
        topic_terms = [sum((c for c, e in zip(entry_terms, entries) if e.topic == t), Counter()) for t in topics]
        topic_ngrams = [sum((c for c, e in zip(entry_ngrams, entries) if e.topic == t), Counter()) for t in topics]
        vocabulary = frozenset(t for counts in entry_terms for t in counts)
        term_trigrams = {t: _trigrams(t) for t in vocabulary}
        trigram_index: dict[str, set[str]] = {}
        for term, grams in term_trigrams.items():
            for g in grams:
                trigram_index.setdefault(g, set()).add(term)
        return cls(
            analyzer=analyzer, entries=entries, topics=topics,
            entry_index=_Index(entry_terms, entry_ngrams), topic_index=_Index(topic_terms, topic_ngrams),
            vocabulary=vocabulary, term_trigrams=term_trigrams, trigram_index=trigram_index,
            split_cache=splitter,
        )

    def search(self, text: str, limit: int = 3) -> list[Hit]:
        """The ``limit`` best entries for ``text``, best first, scores in 0..1."""
        words = self.analyzer.words(text)
        if not words or not self.entries:
            return []
        weights, unknown = self._query_terms(words)
        ngrams = _ngrams(words)
        topic_scores = dict(zip(self.topics, self.topic_index.scores(weights, unknown, ngrams)))
        entry_scores = self.entry_index.scores(weights, unknown, ngrams)
        by_topic: dict[str, list[float]] = {}
        for score, entry in zip(entry_scores, self.entries):
            by_topic.setdefault(entry.topic, []).append(score)
        combined = []
        for score, entry in zip(entry_scores, self.entries):
            siblings = list(by_topic[entry.topic])
            siblings.remove(score)
            if SIBLING_MODE == "mean":
                support = sum(siblings) / max(len(siblings), 1)
                final = (1 - TOPIC_SHARE) * score + TOPIC_SHARE * support
            elif SIBLING_MODE == "max":
                final = (1 - TOPIC_SHARE) * score + TOPIC_SHARE * max(siblings, default=0.0)
            elif SIBLING_MODE == "add":
                final = score + TOPIC_SHARE * sum(siblings) / max(len(siblings), 1)
            elif SIBLING_MODE == "topicdoc":
                final = (1 - TOPIC_SHARE) * score + TOPIC_SHARE * topic_scores[entry.topic]
            else:
                final = score
            combined.append((final, entry))
        if SIBLING_MODE == "topicdoc" or True:
            pass
        scored = sorted(combined, key=lambda pair: (-pair[0], pair[1].id))
        return [
            Hit(entry_id=e.id, topic=e.topic, score=round(min(max(s, 0.0), 1.0), 4))
            for s, e in scored[:limit] if s > 0
        ]

    def _query_terms(self, words: Iterable[str]) -> tuple[dict[str, float], float]:
        """Known query terms with weights, and how many words were unknown."""
        weights: dict[str, float] = {}
        unknown = 0.0
        for word in dict.fromkeys(words):
            known = _known_form(word, self.vocabulary) if TAIL_FORMS else None
            terms = [known] if known and known != word else []
            terms = terms or [t for t in _expand(word, self.vocabulary, self.split_cache) if t in self.vocabulary]
            if terms:
                for t in terms:
                    weights[t] = max(weights.get(t, 0.0), 1.0)
                continue
            match = self._fuzzy(word)
            if match is None:
                unknown += 1.0
            else:
                term, similarity = match
                weights[term] = max(weights.get(term, 0.0), similarity)
                unknown += 1 - similarity
        return weights, unknown

    def _fuzzy(self, word: str) -> Optional[tuple[str, float]]:
        """The known term most similar to ``word`` by trigrams, if similar enough."""
        if len(word) < 4:
            return None
        grams = _trigrams(word)
        candidates = set().union(*(self.trigram_index.get(g, set()) for g in grams))
        best = max(
            ((t, _dice(grams, self.term_trigrams[t])) for t in candidates),
            key=lambda pair: (pair[1], pair[0]), default=None,
        )
        return best if best is not None and best[1] >= FUZZY_MIN_SIMILARITY else None


# ---------------------------------------------------------------- helpers

def _entry_words(entry: Entry, label: str, analyzer: _Analyzer, weights: dict[str, int]) -> list[str]:
    fields = {
        "title": entry.title, "label": label, "answer": entry.answer, "conditions": " ".join(entry.conditions),
        "details": entry.details or "", "keywords": " ; ".join(entry.keywords),
    }
    words: list[str] = []
    for name, text in fields.items():
        words.extend(analyzer.words(text) * weights.get(name, 0))
    return words


def _split(term: str, vocabulary: Iterable[str] | dict | set, cache: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Split a compound into known parts ("bistandsprojekt" → bistand, projekt), or ()."""
    if term in cache:
        return cache[term]
    cache[term] = ()
    result: tuple[str, ...] = ()
    for cut in range(len(term) - MIN_PART, MIN_PART - 1, -1):
        head, tail = term[:cut], term[cut:]
        heads = [head] + ([head[:-1]] if head.endswith("s") and len(head) > MIN_PART else [])
        known_head = next((h for h in heads if h in vocabulary), None)
        if known_head is None:
            continue
        known_tail = _known_form(tail, vocabulary) if TAIL_FORMS else (tail if tail in vocabulary else None)
        if known_tail is not None:
            result = (known_head, known_tail)
            break
        rest = _split(tail, vocabulary, cache)
        if rest:
            result = (known_head,) + rest
            break
    cache[term] = result
    return result


INFLECTIONS = ("arna", "erna", "orna", "na", "en", "et", "er", "ar", "or", "n", "t", "s", "e", "a")


def _known_form(term: str, vocabulary) -> Optional[str]:
    """``term`` or a shorter known form of it (a stem, or one Swedish ending removed)."""
    if term in vocabulary:
        return term
    for candidate in [stem(term)] + [term[: -len(e)] for e in INFLECTIONS if term.endswith(e)]:
        if len(candidate) >= MIN_PART and candidate in vocabulary:
            return candidate
    return None


def _expand(word: str, vocabulary, cache: dict[str, tuple[str, ...]]) -> list[str]:
    """The word itself plus its compound parts."""
    return [word, *_split(word, vocabulary, cache)] if USE_SPLIT else [word]


def _ngrams(words: Iterable[str]) -> Counter:
    counts: Counter = Counter()
    for word in words:
        padded = f" {word} "
        for n in NGRAM_SIZES:
            counts.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return counts
