"""Knowledge search: rank knowledge entries by meaning when the intents fall short.

``KnowledgeSearch.build(kb)`` indexes every entry of the knowledge base once
(about 0.6 s with the example questions, 0.15 s without; the first build in a
process also loads the lemma table, 1-2 s); ``search(text)`` returns the best
entries, best first, as :class:`Hit` with a score in 0..1 (a few
milliseconds). No hosted service and no model download: the project's lemma
table, plain Python and scikit-learn's LinearSVC. Text analysis lives in
``search_text.py`` (with ``search_vocabulary.py`` for ``knowledge/synonyms.yml``
and the lemma table), the scoring structures in ``search_index.py``.

Text analysis (``search_text.Analyzer``)
    Words are lemmatised (:func:`nlp.lemmas.lemmatize`, two systematic slips
    of the table undone and the corrections of ``knowledge/synonyms.yml``
    applied), particle verbs read as one word ("tar vi emot" → motta), stop
    words dropped, then reduced to a base form from the lemma table (also for
    the last part of a compound, "vänstäder" → vänstad, and for words written
    without å/ä/ö, "sager" → säga) or else stemmed (Snowball Swedish), folded
    (å→a, ä→a, ö→o) and mapped to their synonym group ("systerstad" →
    vänort). A compound the index does not know whole is split into known
    parts ("biståndsprojekt" → bistand + projekt), or keeps its known last
    part at a lower weight ("sidoverksamhet" → verksamhet); a word that
    matches nothing even so is read as the most similar known word when their
    letter trigrams agree (Dice ≥ ``FUZZY_MIN_SIMILARITY``).

Scores (all in 0..1)
    1. Entry similarity ``e``: ``BM25_SHARE`` × BM25 (Okapi, k1 = 1.2,
       b = 0.75) over each entry's title ×3, keywords ×3, example questions,
       topic label, answer, conditions and details, divided by the best score
       the query could reach (every query term at full weight; a word no entry
       knows counts as a median term, and a one-word query counts as two
       words), plus the rest × the cosine of sub-linear TF-IDF character
       3-5-grams of the query's words and of the entry's title, keywords and
       label (survives typos and compounds such as "vänstad"/"vänort").
    2. Topic support ``s``: the mean ``e`` of the other entries of the same
       topic (several entries agreeing makes a topic more likely).
    3. Topic probability ``p``: a linear SVM over the example questions of
       the NLU training data (``data/nlu.yml``), plus each entry's title and
       ``questions`` as examples of its topic, on the same terms, their
       n-grams and the cue words of ``knowledge/synonyms.yml`` (direction:
       "från", "hit" for visits to us, "till" for trips abroad; modality;
       scope), turned into probabilities by a softmax of its decision values
       (× ``SVC_TEMPERATURE``). Every intent is a class, so greetings and
       out-of-scope questions pull probability away from the topics.

    ``score = ENTRY_SHARE·e + SIBLING_SHARE·s + CLASSIFIER_SHARE·p``
    (0.4 / 0.1 / 0.5). Without example questions (``examples={}``) ``p`` is
    left out and the other two shares are rescaled to sum to 1. The hits hold
    at most ``MAX_PER_TOPIC`` entries of one topic, so three suggestions
    always offer a second topic.

Thresholds (chosen on the training side when the search was written: the
entries' own titles, the paraphrases and garbage in ``tests/test_search.py``,
and 5-fold cross-validation over ``data/nlu.yml``; never on ``tests/heldout``)
    ``score >= ANSWER_THRESHOLD`` (0.45): answer from the best entry.
    ``SUGGEST_THRESHOLD <= score < ANSWER_THRESHOLD`` (0.20): offer the top
    three as buttons ("Menade du ...?").
    ``score < SUGGEST_THRESHOLD``: nothing relevant.

Accuracy (right topic first, ``scripts/search_eval.py``; docs/knowledge.md
has the figures and how they were reached): the development set
``tests/search_dev.yml`` (tuned on), 5-fold cross-validation over
``data/nlu.yml``, and the held-out ``tests/heldout/search.yml`` (only scored).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

import yaml

from actions.knowledge import Entry, KnowledgeBase
from actions.recent import Recent
from actions.search_index import Index, TextFeatures, TopicClassifier
from actions.search_text import (
    MAX_CACHE, Analyzer, default_lemmatize, dice, expand, fold, known_form, load_stopwords, ngrams, stem, trigrams,
)
from actions.search_vocabulary import VOCABULARY_PATH, Vocabulary, default_lexicon, load_vocabulary
from nlp.lemmas import STOPWORDS_PATH

__all__ = ["ANSWER_THRESHOLD", "SUGGEST_THRESHOLD", "Hit", "KnowledgeSearch", "fold", "load_examples", "stem"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_PATH = ROOT / "data" / "nlu.yml"

# How often each field's text is repeated in an entry's BM25 document.
FIELD_WEIGHTS: dict[str, int] = {
    "title": 3, "keywords": 3, "questions": 1, "label": 1, "answer": 1, "conditions": 1, "details": 1,
}
# The same for the entry's character n-gram document (short fields only).
NGRAM_FIELD_WEIGHTS: dict[str, int] = {"title": 1, "keywords": 1, "label": 1}
# Smallest trigram (Dice) similarity for reading an unknown word as a known one.
FUZZY_MIN_SIMILARITY = 0.6
# The final score: the entry's own similarity, the mean similarity of the other
# entries of its topic, and the topic's probability from the example questions.
SIBLING_SHARE = 0.1
CLASSIFIER_SHARE = 0.5
ENTRY_SHARE = 1.0 - SIBLING_SHARE - CLASSIFIER_SHARE

# An unknown compound's known last part (at least MIN_KNOWN_TAIL letters) counts this much.
TAIL_WEIGHT = 0.7
MIN_KNOWN_TAIL = 5
MIN_HEAD = 3
# Suggestions offer at most this many entries of one topic.
MAX_PER_TOPIC = 2

# How many (score, text) results _memo keeps: a message's steps run one after another, and
# each text has about six kinds of result (words, n-grams, features, similarities, probabilities).
RECENT_TEXTS = 64

ANSWER_THRESHOLD = 0.45
SUGGEST_THRESHOLD = 0.20

ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Hit:
    """One ranked entry."""

    entry_id: str
    topic: str
    score: float


@dataclass
class KnowledgeSearch:
    """Ranks knowledge entries for a question; see the module docstring for the scoring."""

    analyzer: Analyzer
    entries: list[Entry]
    entry_index: Index
    classifier: Optional[TopicClassifier]
    vocabulary: frozenset[str]
    term_trigrams: dict[str, frozenset[str]]
    trigram_index: dict[str, set[str]]
    split_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fuzzy_cache: dict[str, Optional[tuple[str, float]]] = field(default_factory=dict)
    # P(entry | question) from the entries' titles and example questions (entry selection).
    entry_classifier: Optional[TopicClassifier] = None
    features: Optional[TextFeatures] = None
    # The scores of the last few texts (each message is scored by several steps).
    recent: Recent[tuple[str, str], Any] = field(default_factory=lambda: Recent(RECENT_TEXTS))

    @classmethod
    def build(
        cls, kb: KnowledgeBase, lemmatize: Optional[Callable[[str], list[str]]] = None,
        examples: Optional[Mapping[str, Sequence[str]]] = None,
        stopwords_path: Path = STOPWORDS_PATH, vocabulary_path: Optional[Path] = VOCABULARY_PATH,
    ) -> "KnowledgeSearch":
        """Index ``kb``'s entries and learn topics from ``examples`` (intent -> questions).

        ``lemmatize`` defaults to :func:`nlp.lemmas.lemmatize`; ``examples``
        defaults to the NLU training data (``data/nlu.yml``), ``{}`` searches
        the knowledge base alone; ``vocabulary_path=None`` uses no synonyms, phrases
        or lemma corrections (``knowledge/synonyms.yml``).
        """
        words_file = load_vocabulary(vocabulary_path) if vocabulary_path is not None else Vocabulary()
        analyzer = Analyzer.build(lemmatize or default_lemmatize, load_stopwords(stopwords_path), words_file,
                                  default_lexicon())
        if examples is None:
            examples = load_examples() if EXAMPLES_PATH.exists() else {}
        entries = sorted(kb.entries.values(), key=lambda e: e.id)
        texts = [(intent, q) for intent, questions in sorted(examples.items()) for q in questions if q.strip()]
        if texts:
            texts += [(e.topic, q) for e in entries for q in (e.title, *e.questions)]
        analyzer.prime([q for _, q in texts] + [_entry_text(e, kb.label(e.topic)) for e in entries])
        entry_words = [_entry_words(e, kb.label(e.topic), analyzer, FIELD_WEIGHTS) for e in entries]
        entry_ngram_words = [_entry_words(e, kb.label(e.topic), analyzer, NGRAM_FIELD_WEIGHTS) for e in entries]
        example_words = [analyzer.words(q) for _, q in texts]
        vocabulary = frozenset(w for words in entry_words + example_words for w in words)
        splitter: dict[str, tuple[str, ...]] = {}
        entry_terms = [
            Counter(t for w in words for t in expand(w, vocabulary, splitter, analyzer.canonical))
            for words in entry_words
        ]  # compound parts are known words by construction, so the vocabulary stays the same
        analyzer.use_vocabulary(vocabulary, [q for _, q in texts])
        term_trigrams = {t: trigrams(t) for t in vocabulary}
        trigram_index: dict[str, set[str]] = {}
        for term, grams in term_trigrams.items():
            for g in grams:
                trigram_index.setdefault(g, set()).add(term)
        search = cls(
            analyzer=analyzer, entries=entries,
            entry_index=Index(entry_terms, [ngrams(w) for w in entry_ngram_words]), classifier=None,
            vocabulary=vocabulary, term_trigrams=term_trigrams, trigram_index=trigram_index,
            split_cache=splitter,
        )
        labels = {intent for intent, _ in texts}
        entry_examples = [(e.id, q) for e in entries for q in (e.title, *e.questions)]
        # One feature space for both classifiers: the examples' (entry texts are among them).
        corpus = [q for _, q in texts] or [q for _, q in entry_examples]
        search.features = TextFeatures(corpus, search._terms, search._ngrams)
        if len(labels) > 1 and labels & set(kb.by_topic):
            search.classifier = TopicClassifier(search.features, [q for _, q in texts], [i for i, _ in texts])
        if len(entries) > 1:
            search.entry_classifier = TopicClassifier(
                search.features, [q for _, q in entry_examples], [i for i, _ in entry_examples])
        return search

    def entry_similarities(self, text: str) -> dict[str, float]:
        """Every entry's similarity to ``text`` (0..1; the ``e`` of the module docstring), by entry id."""
        return self._memo("similarities", text, self._entry_similarities)

    def entry_probabilities(self, text: str) -> dict[str, float]:
        """P(entry | text) from the entries' own titles and example questions."""
        return self._memo("entries", text, self._entry_probabilities)

    def topic_probabilities(self, text: str) -> dict[str, float]:
        """P(intent | text) from the topic classifier (empty without example questions)."""
        return self._memo("topics", text, self._topic_probabilities)

    def _memo(self, kind: str, text: str, compute: Callable[[str], Any]) -> Any:
        """One message is scored by several steps of the entry selection: compute each score once."""
        return self.recent.get((kind, text), lambda: compute(text))

    def _words(self, text: str) -> tuple[str, ...]:
        """The analysed words of ``text`` (the similarities and both classifiers' features read them)."""
        return self._memo("words", text, lambda t: tuple(self.analyzer.words(t)))

    def _ngrams(self, text: str) -> Counter:
        """The character n-grams of ``text``'s analysed words (not to be changed: it is shared)."""
        return self._memo("ngrams", text, lambda t: ngrams(self._words(t)))

    def _entry_similarities(self, text: str) -> dict[str, float]:
        words = self._words(text)
        if not words or not self.entries:
            return {}
        weights, unknown = self._query_terms(words)
        scores = self.entry_index.scores(weights, unknown, self._ngrams(text))
        return {entry.id: score for entry, score in zip(self.entries, scores)}

    def _entry_probabilities(self, text: str) -> dict[str, float]:
        return self.entry_classifier.probabilities_of_row(*self._row(text)) if self.entry_classifier else {}

    def _topic_probabilities(self, text: str) -> dict[str, float]:
        return self.classifier.probabilities_of_row(*self._row(text)) if self.classifier else {}

    def _row(self, text: str) -> Any:
        """The message's features, computed once for both classifiers."""
        return self._memo("features", text, self.features.row)  # type: ignore[union-attr]

    def search(self, text: str, limit: int = 3, per_topic: int = MAX_PER_TOPIC) -> list[Hit]:
        """The ``limit`` best entries for ``text``, best first, scores in 0..1.

        At most ``per_topic`` entries of one topic, so that three suggestions
        ("Menade du …?") always offer another topic too.
        """
        similarities = self.entry_similarities(text)
        if not similarities:
            return []
        entry_scores = [similarities[e.id] for e in self.entries]
        by_topic: dict[str, list[float]] = {}
        for score, entry in zip(entry_scores, self.entries):
            by_topic.setdefault(entry.topic, []).append(score)
        probabilities = self.topic_probabilities(text)
        total = ENTRY_SHARE + SIBLING_SHARE + (CLASSIFIER_SHARE if self.classifier else 0.0)
        scored = []
        for score, entry in zip(entry_scores, self.entries):
            siblings = by_topic[entry.topic]
            support = (sum(siblings) - score) / max(len(siblings) - 1, 1)
            final = ENTRY_SHARE * score + SIBLING_SHARE * support
            final += CLASSIFIER_SHARE * probabilities.get(entry.topic, 0.0)
            scored.append((final / total, entry))
        scored.sort(key=lambda pair: (-pair[0], pair[1].id))
        hits: list[Hit] = []
        taken: Counter = Counter()
        for score, entry in scored:
            if len(hits) == limit or score <= 0:
                break
            if taken[entry.topic] < per_topic:
                taken[entry.topic] += 1
                hits.append(Hit(entry_id=entry.id, topic=entry.topic, score=round(min(max(score, 0.0), 1.0), 4)))
        return hits

    def _terms(self, text: str) -> list[str]:
        """The classifier's terms for ``text``: index terms plus compound parts, and its cue words."""
        canonical = self.analyzer.canonical
        terms = []
        for word in self._words(text):
            parts = expand(word, self.vocabulary, self.split_cache, canonical)
            if len(parts) == 1 and word not in self.vocabulary:
                tail = self._known_tail(word)
                parts += [tail[0]] if tail else []
            terms += parts
        return terms + self.analyzer.cues(text)

    def _query_terms(self, words: Iterable[str]) -> tuple[dict[str, float], float]:
        """Known query terms with weights, and how many words were unknown."""
        canonical = self.analyzer.canonical
        weights: dict[str, float] = {}
        unknown = 0.0
        for word in dict.fromkeys(words):
            known = known_form(word, self.vocabulary, canonical)
            terms = [known] if known and known != word else []
            terms = terms or [
                t for t in expand(word, self.vocabulary, self.split_cache, canonical) if t in self.vocabulary
            ]
            if terms:
                for t in terms:
                    weights[t] = max(weights.get(t, 0.0), 1.0)
                continue
            match = self._fuzzy(word) or self._known_tail(word)
            if match is None:
                unknown += 1.0
            else:
                term, similarity = match
                weights[term] = max(weights.get(term, 0.0), similarity)
                unknown += 1 - similarity
        return weights, unknown

    def _known_tail(self, word: str) -> Optional[tuple[str, float]]:
        """The longest known last part of an unknown compound ("sidoverksamhet" → verksamhet), at TAIL_WEIGHT.

        In a Swedish compound the last part names the thing; the first only
        narrows it down, so an unknown first part still leaves a useful term.
        """
        for cut in range(MIN_HEAD, len(word) - MIN_KNOWN_TAIL + 1):
            tail = known_form(word[cut:], self.vocabulary, self.analyzer.canonical)
            if tail is not None:
                return tail, TAIL_WEIGHT
        return None

    def _fuzzy(self, word: str) -> Optional[tuple[str, float]]:
        """The known term most similar to ``word`` by trigrams, if similar enough (remembered per word)."""
        if word not in self.fuzzy_cache:
            if len(self.fuzzy_cache) >= MAX_CACHE:
                self.fuzzy_cache.clear()
            self.fuzzy_cache[word] = self._most_similar(word)
        return self.fuzzy_cache[word]

    def _most_similar(self, word: str) -> Optional[tuple[str, float]]:
        if len(word) < 4:
            return None
        grams = trigrams(word)
        candidates = set().union(*(self.trigram_index.get(g, set()) for g in grams))
        best = max(
            ((t, dice(grams, self.term_trigrams[t])) for t in candidates),
            key=lambda pair: (pair[1], pair[0]), default=None,
        )
        return best if best is not None and best[1] >= FUZZY_MIN_SIMILARITY else None


def load_examples(path: Path = EXAMPLES_PATH) -> dict[str, list[str]]:
    """Example questions per intent from a Rasa NLU file, entity annotations removed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples: dict[str, list[str]] = {}
    for item in data.get("nlu") or []:
        if isinstance(item, dict) and "intent" in item and isinstance(item.get("examples"), str):
            lines = [line.strip()[2:] for line in item["examples"].splitlines() if line.strip().startswith("- ")]
            examples.setdefault(item["intent"], []).extend(ANNOTATION.sub(r"\1", line) for line in lines)
    return examples


def _entry_fields(entry: Entry, label: str) -> dict[str, str]:
    return {
        "title": entry.title, "label": label, "answer": entry.answer, "conditions": " ".join(entry.conditions),
        "details": entry.details or "", "keywords": " ; ".join(entry.keywords),
        "questions": " ".join(entry.questions),
    }


def _entry_text(entry: Entry, label: str) -> str:
    return " ".join(_entry_fields(entry, label).values())


def _entry_words(entry: Entry, label: str, analyzer: Analyzer, weights: dict[str, int]) -> list[str]:
    """The entry's analysed words, each field repeated by its weight."""
    words: list[str] = []
    for name, text in _entry_fields(entry, label).items():
        words.extend(analyzer.words(text) * weights.get(name, 0))
    return words
