"""Which knowledge entry answers a question: the entry, not just the topic.

Every entry is scored for the question (docs/knowledge.md, "How the entry is
chosen"):

    score = TOPIC · P(topic) + SIMILARITY · sim + ENTRY · P(entry) + ASK · fit

- ``P(topic)``: NLU's topic probability blended with the knowledge search's
  topic classifier; in a follow-up mostly the conversation's topic.
- ``sim``: the search's similarity of the entry to the question (BM25 and
  character n-grams, actions/search.py).
- ``P(entry)``: a classifier over the entries' titles and example questions.
- ``fit``: whether the entry answers what the question asks (its ``asks``
  against the asks read by :mod:`actions.selection.asks`): 1 when it answers
  a specific ask of the question ("vem beslutar", "vilka", "vem betalar"), 0
  when the question has a specific ask the entry does not answer; for a
  question without a specific ask, 1 for the topic's primary entry and
  ``GENERIC_FIT`` for other entries that answer yes/no or "what applies".

An ask that no entry of the question's topic answers may be answered by the
ask's general entry (``general_entry`` in asks.yml, e.g. who decides on any
engagement). When the best entry still does not answer the specific ask, or
its confidence is below ``MIN_CONFIDENCE``, the selection is *nearest*: the
reply says the knowledge holds no answer to just that and gives the entry as
the nearest one. A message with two questions gets up to two entries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

from actions.knowledge import Entry, KnowledgeBase
from actions.search import KnowledgeSearch
from actions.selection.asks import YES_NO, AskReader, QuestionForm
from actions.selection.context import Context, FollowupReader

# Weights of the score (tuned on tests/dev/entries.yml and tests/dev/conversations.yml).
TOPIC = 0.45
SIMILARITY = 0.2
ENTRY = 0.15
ASK = 0.25
GENERIC_FIT = 0.5
PRIMARY_FIT = 1.0
# Share of NLU in the topic probability (the rest: the search's topic classifier).
NLU_SHARE = 0.7
# Share of the conversation's topic in a follow-up's topic probability.
CONTEXT_SHARE = 0.7
# A general entry competes with this share of the best topic's probability.
GENERAL_SHARE = 0.9
# Below this confidence the best entry is only offered as the nearest one.
MIN_CONFIDENCE = 0.3
MAX_ENTRIES = 2
GENERIC_ASKS = (YES_NO, "what")
_QUESTION = re.compile(r"[^?]*\?")


@dataclass(frozen=True)
class Selection:
    """The entries that answer a question, and how sure the choice is."""

    entries: tuple[str, ...]        # the answering entries, or the nearest entry when ``nearest``
    topic: str
    confidence: float
    form: QuestionForm
    nearest: bool = False
    from_context: bool = False
    unanswered_ask: Optional[str] = None
    counterpart: Optional[str] = None
    ranked: tuple[str, ...] = field(default_factory=tuple)  # best entries first (evaluation's top-3)


@dataclass
class EntrySelector:
    kb: KnowledgeBase
    search: KnowledgeSearch
    asks: AskReader
    followups: FollowupReader

    def select(self, text: str, nlu_topics: Mapping[str, float], context: Context = Context(),
               counterpart: Optional[str] = None) -> Selection:
        """Choose the entries answering ``text``; ``nlu_topics``: NLU's probability per topic id."""
        form = self.asks.read(text)
        similarities = self.search.entry_similarities(text)
        content = max(similarities.values(), default=0.0)
        from_context = self.followups.leans_on_context(text, form, content, context)
        if from_context and form.elliptic:  # "och med Vilnius?" asks what the last question asked
            form = QuestionForm(asks=(), yes_no=context.yes_no)
        topics = self._topic_probabilities(text, nlu_topics, context if from_context else None)
        counterpart = counterpart or (context.counterpart if from_context else None)
        avoid = context.reply_entries if from_context and counterpart == context.counterpart else ()
        main = self._best(form, topics, similarities, self.search.entry_probabilities(text), counterpart, avoid)
        entries = [main[0]]
        questions = [q.strip() for q in _QUESTION.findall(text) if q.strip()]
        if len(questions) > 1 and not main[3]:
            for question in questions:
                part = self._best(self.asks.read(question), topics, self.search.entry_similarities(question),
                                  self.search.entry_probabilities(question), counterpart, avoid)
                if not part[3] and part[0].id not in {e.id for e in entries}:
                    entries.insert(0 if question == questions[0] else len(entries), part[0])
            entries = entries[:MAX_ENTRIES]
        best, confidence, ranked, unanswered = main
        nearest = unanswered is not None or confidence < MIN_CONFIDENCE
        return Selection(
            entries=tuple(e.id for e in entries) if not nearest else (best.id,),
            topic=best.topic, confidence=round(confidence, 4), form=form, nearest=nearest,
            from_context=from_context, unanswered_ask=unanswered or (form.asks[0] if nearest and form.asks else None),
            counterpart=counterpart, ranked=ranked,
        )

    def leans_on_context(self, text: str, context: Context) -> bool:
        """Whether ``text`` is a follow-up on the conversation's last answer."""
        if context.empty:
            return False
        content = max(self.search.entry_similarities(text).values(), default=0.0)
        return self.followups.leans_on_context(text, self.asks.read(text), content, context)

    def is_question(self, text: str) -> bool:
        """A question rather than a bare yes/no or thanks: it asks something specific or ends in "?"."""
        form = self.asks.read(text)
        return form.specific or (text.strip().endswith("?") and len(text.split()) > 1)

    def _topic_probabilities(self, text: str, nlu: Mapping[str, float], context: Optional[Context]) -> dict[str, float]:
        own = self.search.topic_probabilities(text)
        topics = {t: NLU_SHARE * nlu.get(t, 0.0) + (1 - NLU_SHARE) * own.get(t, 0.0) for t in self.kb.by_topic}
        if context is not None and context.topic in topics:
            topics = {t: (1 - CONTEXT_SHARE) * p for t, p in topics.items()}
            topics[context.topic] += CONTEXT_SHARE  # type: ignore[index]
        return topics

    def _fit(self, entry: Entry, form: QuestionForm) -> float:
        if form.specific:
            return 1.0 if set(form.asks) & set(entry.asks) else 0.0
        if entry.primary:
            return PRIMARY_FIT
        return GENERIC_FIT if set(GENERIC_ASKS) & set(entry.asks) else 0.0

    def _candidates(self, counterpart: Optional[str]) -> list[Entry]:
        return [e for e in self.kb.entries.values() if not e.only_for or counterpart in e.only_for]

    def _best(
        self, form: QuestionForm, topics: Mapping[str, float], similarities: Mapping[str, float],
        entry_probs: Mapping[str, float], counterpart: Optional[str], avoid: tuple[str, ...],
    ) -> tuple[Entry, float, tuple[str, ...], Optional[str]]:
        """The best entry, its confidence, the ranking, and the specific ask it leaves unanswered."""
        top_topic = max(topics.values(), default=0.0)
        general = {self.asks.general_entry(a) for a in form.asks} - {None}
        scored: list[tuple[float, float, Entry]] = []
        for entry in self._candidates(counterpart):
            if entry.id in avoid:
                continue
            topic_p = topics.get(entry.topic, 0.0)
            if entry.id in general:
                topic_p = max(topic_p, GENERAL_SHARE * top_topic)
            fit = self._fit(entry, form)
            sim = similarities.get(entry.id, 0.0)
            prob = entry_probs.get(entry.id, 0.0)
            score = TOPIC * topic_p + SIMILARITY * sim + ENTRY * prob + ASK * fit
            confidence = topic_p * (0.5 + 0.5 * fit) if form.specific else topic_p * max(fit, 0.5)
            scored.append((score, confidence, entry))
        scored.sort(key=lambda item: (-item[0], item[2].id))
        score, confidence, best = scored[0]
        unanswered = None
        if form.specific and not set(form.asks) & set(best.asks):
            unanswered = form.asks[0]
        return best, confidence, tuple(e.id for _, _, e in scored[:3]), unanswered
