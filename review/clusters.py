"""Group similar questions: by topic and counterpart, then by shared lemmas.

Questions are lemmatised with the project's Swedish spaCy pipeline
(:func:`nlp.lemmas.lemmatize`), stop words dropped. Within each (topic,
counterpart) pair a question joins the most similar existing group when the
Jaccard similarity of its lemmas and the group's core lemmas (those in at
least half of its questions) reaches the threshold; otherwise it starts a
group. Questions whose text was masked by the retention purge have no lemmas
and are grouped by topic and counterpart alone, so old periods still count.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Callable, Iterable, Optional, Sequence

from review.queries import MASKED_QUESTION, QuestionRow

Lemmatizer = Callable[[str], frozenset[str]]
DEFAULT_THRESHOLD = 0.4


def content_lemmatizer() -> Lemmatizer:
    """Content lemmas of a question with the project's Swedish lemma table (cached per text)."""
    from nlp.lemmas import lemmatize, stop_words

    words = stop_words() | stop_words(key="grouping_extra")
    stop = words | {lemma for word in words for lemma in lemmatize(word)}

    @lru_cache(maxsize=20000)
    def content_lemmas(text: str) -> frozenset[str]:
        if text.strip() == MASKED_QUESTION:
            return frozenset()
        return frozenset(
            lemma for lemma in lemmatize(text)
            if len(lemma) > 1 and any(ch.isalpha() for ch in lemma) and lemma not in stop
        )

    return content_lemmas


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


@dataclass
class Cluster:
    topic: str
    counterpart: Optional[str]
    records: list[QuestionRow] = field(default_factory=list)
    lemma_counts: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.records)

    def core(self) -> frozenset[str]:
        half = self.count / 2
        return frozenset(lemma for lemma, n in self.lemma_counts.items() if n >= half)

    def add(self, row: QuestionRow, lemmas: frozenset[str]) -> None:
        self.records.append(row)
        self.lemma_counts.update(lemmas)

    def keywords(self, n: int = 3) -> list[str]:
        return [lemma for lemma, _ in sorted(self.lemma_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]

    def examples(self, n: int = 3) -> list[str]:
        """Up to ``n`` distinct phrasings, newest first (masked texts skipped)."""
        seen: list[str] = []
        for row in sorted(self.records, key=lambda r: r.created_at, reverse=True):
            text = row.question.strip()
            if text != MASKED_QUESTION and text.lower() not in (s.lower() for s in seen):
                seen.append(text)
            if len(seen) == n:
                break
        return seen

    def weekly(self, weeks: Sequence[date]) -> list[int]:
        """Counts per week (each week given by its Monday)."""
        index = {monday: i for i, monday in enumerate(weeks)}
        counts = [0] * len(weeks)
        for row in self.records:
            day = row.created_at.date()
            monday = day - timedelta(days=day.weekday())
            if monday in index:
                counts[index[monday]] += 1
        return counts

    @property
    def newest(self) -> float:
        return max(r.created_at for r in self.records).timestamp()


def mondays(first: date, last: date) -> list[date]:
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def trend(weekly: Sequence[int]) -> str:
    """Swedish word for the change from the first half of the period to the second."""
    if len(weekly) < 2:
        return "–"
    half = len(weekly) // 2
    before, after = sum(weekly[:half]), sum(weekly[len(weekly) - half:])
    if after >= before * 1.25 and after - before >= 2:
        return "ökar"
    if after <= before * 0.8 and before - after >= 2:
        return "minskar"
    return "oförändrad"


def cluster_questions(
    rows: Iterable[QuestionRow], lemmatizer: Lemmatizer, threshold: float = DEFAULT_THRESHOLD
) -> list[Cluster]:
    """Similar questions grouped, biggest group first (then the most recent)."""
    by_key: dict[tuple[str, Optional[str]], list[Cluster]] = {}
    for row in rows:
        lemmas = lemmatizer(row.question)
        clusters = by_key.setdefault((row.topic, row.counterpart), [])
        best: Optional[Cluster] = None
        best_score = -1.0
        for cluster in clusters:
            core = cluster.core()
            score = 1.0 if not lemmas and not core else jaccard(lemmas, core)
            if score > best_score:
                best, best_score = cluster, score
        if best is None or best_score < threshold:
            best = Cluster(topic=row.topic, counterpart=row.counterpart)
            clusters.append(best)
        best.add(row, lemmas)
    result = [c for clusters in by_key.values() for c in clusters]
    return sorted(result, key=lambda c: (-c.count, -c.newest, c.topic, c.counterpart or ""))
