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
  question without a specific ask, ``PRIMARY_FIT`` for the topic's primary entry and
  ``GENERIC_FIT`` for other entries that answer yes/no or "what applies" (``SECONDARY_FIT``
  for an entry whose main ask is the consultation response's view: what applies comes first).

An ask that no entry of the question's topic answers may be answered by the
ask's general entry (``general_entry`` in asks.yml, e.g. who decides on any
engagement), unless the last answer's own entry answers that ask (a follow-up).
A short ask pointing back ("Vem fattar beslut om det?") keeps the conversation's
topic whatever NLU hears in the ask's own words. When the best entry still does not answer the specific ask, or
its confidence is below ``MIN_CONFIDENCE``, the selection is *nearest*: the
reply says the knowledge holds no answer to just that and gives the entry as
the nearest one. A message with two questions gets up to two entries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

from actions.counterparts import Gazetteer
from actions.knowledge import Entry, KnowledgeBase
from actions.search import KnowledgeSearch
from actions.selection.asks import YES_NO, AskReader, QuestionForm
from actions.selection.case_facts import CaseFacts
from actions.selection.context import Context, FollowupReader

# Weights of the score (tuned on tests/dev/entries.yml and tests/dev/conversations.yml).
TOPIC = 0.45
SIMILARITY = 0.2
ENTRY = 0.15
ASK = 0.25
GENERIC_FIT = 0.5
PRIMARY_FIT = 0.6
# The generic fit of an entry whose main (first) ask is a secondary one (the consultation response's view).
SECONDARY_FIT = 0.3
# Share of NLU in the topic probability (the rest: the search's topic classifier); when NLU
# itself was unsure (nlu_fallback), the smaller share.
NLU_SHARE = 0.7
UNSURE_NLU_SHARE = 0.3
# Share of the conversation's topic in a follow-up's topic probability.
CONTEXT_SHARE = 0.7
# A follow-up whose best entry similarity reaches this names a topic of its own ("och ett
# samarbetsavtal då?"): NLU's confidence in it then takes weight from the conversation's topic.
OWN_TOPIC_CONTENT = 0.3
SURE_NLU = 0.8
# In a follow-up, the last reply's entries and the entries they relate to get these bonuses:
# a follow-up usually asks more about what was just answered.
LAST_ENTRY = 0.1
RELATED = 0.05
# An entry with a tailoring sentence for the message's counterpart is about that counterpart.
NAMED_COUNTERPART = 0.1
TAGGED_COUNTERPART = 0.05
# Only tags that set a counterpart apart count (every city is a city).
SPECIFIC_TAGS = frozenset({"capital", "nordic_capital", "nordic", "eu_member"})
# An entry whose rule depends on a fact the message states ("Sida betalar 80 procent").
STATED_FACT = 0.1
# A general entry competes with this share of the best topic's probability.
GENERAL_SHARE = 0.9
# Below this confidence the best entry is only offered as the nearest one.
MIN_CONFIDENCE = 0.3
MAX_ENTRIES = 2
# In a follow-up, another entry that answers the ask is preferred to repeating the last one
# when it scores at least this share of the last one's score.
REPEAT_SHARE = 0.8
# ... or, for a follow-up without a specific ask, when the message is at least this much more similar
# to the other entry than to the last one (it names the other entry's subject).
NAMED_MARGIN = 0.1
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
    # A follow-up answered by the entry of the last reply (which answers the new ask): sent briefly.
    repeat: bool = False
    # A follow-up that names another counterpart than the conversation's ("och med Vilnius?").
    new_counterpart: bool = False


@dataclass
class EntrySelector:
    kb: KnowledgeBase
    search: KnowledgeSearch
    asks: AskReader
    followups: FollowupReader
    gazetteer: Gazetteer
    facts: CaseFacts
    # Per counterpart, the entries that name it (bounded by the gazetteer's names).
    _naming: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False)

    def select(self, text: str, nlu_topics: Mapping[str, float], context: Context = Context(),
               counterpart: Optional[str] = None, nlu_share: float = NLU_SHARE) -> Selection:
        """Choose the entries answering ``text``; ``nlu_topics``: NLU's probability per topic id,
        weighed by ``nlu_share`` against the knowledge search's own topic classifier."""
        form = self.asks.read(text)
        similarities = self.search.entry_similarities(text)
        content = max(similarities.values(), default=0.0)
        from_context = self.followups.leans_on_context(text, form, content, context)
        if from_context and form.elliptic:  # "och med Vilnius?" asks what the last question asked
            form = QuestionForm(asks=(), yes_no=context.yes_no)
        # A pointing ask's words name the ask ("vem fattar beslut om det?"), not a topic of its own.
        pointing = from_context and counterpart is None and self.followups.points_back(text, form, context)
        own_content = 0.0 if pointing else 1.0 if from_context and self.followups.switches_subject(text) else content
        topics = self._topic_probabilities(text, nlu_topics, context if from_context else None, own_content,
                                           nlu_share)
        new_counterpart = from_context and counterpart is not None and counterpart != context.counterpart
        keeps = from_context or self.followups.refers_to_counterpart(text)
        counterpart = counterpart or (context.counterpart if keeps else None)
        stated = {f for f in self.facts.cues if self.facts.reading(f, text) is not None}
        leaning = context if from_context and not self._names_other_topic(nlu_topics, own_content, context) else None
        ranked = self._ranked(form, topics, similarities, self.search.entry_probabilities(text), counterpart,
                              leaning, stated)
        best = ranked[0]
        repeat = from_context and counterpart == context.counterpart and best.entry.id in context.reply_entries
        if repeat:
            best = self._instead_of_repeating(ranked, form, context, similarities) or best
            repeat = best.entry.id in context.reply_entries
        # A strict ask the best entry does not answer: the honest reply (in a follow-up without
        # repeating the last answer, which then would add nothing).
        unanswered = form.strict[0] if form.strict and best.fit < 1.0 else None
        nearest = unanswered is not None or best.confidence < MIN_CONFIDENCE
        entries = [best.entry] if nearest else self._entries_for_each_question(text, best, topics, counterpart)
        return Selection(
            entries=tuple(e.id for e in entries), topic=best.entry.topic, confidence=round(best.confidence, 4),
            form=form, nearest=nearest, from_context=from_context,
            unanswered_ask=unanswered or (form.strict[0] if nearest and form.strict else None),
            counterpart=counterpart, ranked=tuple(r.entry.id for r in ranked[:3]), repeat=repeat and not nearest,
            new_counterpart=new_counterpart,
        )

    def _instead_of_repeating(self, ranked: list["Scored"], form: QuestionForm, context: Context,
                              similarities: Mapping[str, float]) -> Optional["Scored"]:
        """A follow-up's best entry was the last answer: another entry of the conversation's topic (or
        one the last answer points to) that answers its specific ask, or, for a question without one,
        that the message names more closely than the last answer ("And what does påverkan mean?" after
        samverkan), if it scores close enough; None keeps the last entry (answered briefly when it
        answers the ask)."""
        best = ranked[0]
        if best.fit >= 1.0:
            return None
        _, near = self._conversation_entries(context)
        last_similarity = similarities.get(best.entry.id, 0.0)
        for other in ranked[1:]:
            if other.entry.id in context.reply_entries:
                continue
            if form.asks and other.fit < 1.0:
                continue
            if not form.asks and similarities.get(other.entry.id, 0.0) < last_similarity + NAMED_MARGIN:
                continue
            if other.entry.topic == best.entry.topic or other.entry.id in near:
                return other if other.score >= REPEAT_SHARE * best.score else None
        return None

    def _entries_for_each_question(self, text: str, best: "Scored", topics: Mapping[str, float],
                                   counterpart: Optional[str]) -> list[Entry]:
        """Up to two entries when the message asks two questions (each sentence ending in "?")."""
        entries = [best.entry]
        questions = [q.strip() for q in _QUESTION.findall(text) if q.strip()]
        if len(questions) < 2:
            return entries
        for question in questions:
            form = self.asks.read(question)
            part = self._ranked(form, topics, self.search.entry_similarities(question),
                                self.search.entry_probabilities(question), counterpart)[0]
            answers = not (form.strict and part.fit < 1.0) and part.confidence >= MIN_CONFIDENCE
            if answers and part.entry.id not in {e.id for e in entries}:
                entries.insert(0 if question == questions[0] else len(entries), part.entry)
        return entries[:MAX_ENTRIES]

    def leans_on_context(self, text: str, context: Context) -> bool:
        """Whether ``text`` is a follow-up on the conversation's last answer."""
        if context.empty:
            return False
        content = max(self.search.entry_similarities(text).values(), default=0.0)
        return self.followups.leans_on_context(text, self.asks.read(text), content, context)

    def is_substantive(self, text: str, context: Context) -> bool:
        """A question about the knowledge whatever NLU's intent: it has a specific ask and either leans on
        the conversation or has content of its own ("Hur många anställda har den internationella enheten?"),
        where "Vem är du?" is small talk."""
        if not self.asks.read(text).specific:
            return False
        content = max(self.search.entry_similarities(text).values(), default=0.0)
        return content >= OWN_TOPIC_CONTENT or self.leans_on_context(text, context)

    def is_question(self, text: str) -> bool:
        """A question rather than a bare yes/no or thanks: it asks something specific or ends in "?"."""
        form = self.asks.read(text)
        return form.specific or (text.strip().endswith("?") and len(text.split()) > 1)

    def _names_other_topic(self, nlu: Mapping[str, float], content: float, context: Context) -> bool:
        """A follow-up with content of its own that NLU is sure belongs to another topic
        ("And what does påverkan mean?" after samverkan): the last answer's entries get no preference."""
        topics = {t: p for t, p in nlu.items() if t in self.kb.by_topic}
        if content < OWN_TOPIC_CONTENT or not topics:
            return False
        topic, probability = max(topics.items(), key=lambda item: item[1])
        return topic != context.topic and probability >= SURE_NLU

    def _topic_probabilities(self, text: str, nlu: Mapping[str, float], context: Optional[Context],
                             content: float, nlu_share: float = NLU_SHARE) -> dict[str, float]:
        """P(topic): NLU blended with the search's classifier; in a follow-up, shifted towards the
        conversation's topic unless the message names a topic of its own (content and a sure NLU)."""
        own = self.search.topic_probabilities(text)
        topics = {t: nlu_share * nlu.get(t, 0.0) + (1 - nlu_share) * own.get(t, 0.0) for t in self.kb.by_topic}
        if context is not None and context.topic in topics:
            # NLU's confidence in a topic of the message's own (not in small talk or "help").
            named = 0.0
            if content >= OWN_TOPIC_CONTENT:
                named = max((p for t, p in nlu.items() if t in topics), default=0.0)
            share = CONTEXT_SHARE * (1 - named)
            topics = {t: (1 - share) * p for t, p in topics.items()}
            topics[context.topic] += share
        return topics

    def _fit(self, entry: Entry, form: QuestionForm) -> float:
        """1 when the entry answers an ask of the question; 0 when the question has a strict ask it
        does not answer; else a small preference for the primary entry and entries answering yes/no."""
        if set(form.asks) & set(entry.asks):
            return 1.0
        if form.strict:
            return 0.0
        if entry.primary:
            return PRIMARY_FIT
        if not set(GENERIC_ASKS) & set(entry.asks):
            return 0.0
        return SECONDARY_FIT if entry.asks and self.asks.is_secondary(entry.asks[0]) else GENERIC_FIT

    def _about(self, entry: Entry, counterpart: str) -> bool:
        """The entry names ``counterpart``: a tailoring sentence for it, or its name in the title or answer
        (remembered per counterpart: every message naming it asks again for every entry)."""
        named = self._naming.get(counterpart)
        if named is None:
            named = self._naming[counterpart] = frozenset(e.id for e in self.kb.entries.values()
                                                          if _names(e, counterpart))
        return entry.id in named

    def _conversation_entries(self, context: Optional[Context]) -> tuple[set[str], set[str]]:
        """The last reply's entries, and the entries they name as related or as follow-ups."""
        if context is None:
            return set(), set()
        last = set(context.reply_entries)
        near = {i for e in last if e in self.kb.entries
                for i in (*self.kb.entries[e].related, *self.kb.entries[e].followups)} - last
        return last, near

    def _general_entries(self, form: QuestionForm, context: Optional[Context]) -> set[str]:
        """The general entries of the question's asks, except for an ask that the last answer's own entry
        answers: in a follow-up ("Vem fattar beslut om det?") that entry says it for just this case."""
        last = {a for e in (context.reply_entries if context else ()) if e in self.kb.entries
                for a in self.kb.entries[e].asks}
        return {g for a in form.asks if a not in last and (g := self.asks.general_entry(a)) is not None}

    def _candidates(self, counterpart: Optional[str]) -> list[Entry]:
        return [e for e in self.kb.entries.values() if not e.only_for or counterpart in e.only_for]

    def _ranked(
        self, form: QuestionForm, topics: Mapping[str, float], similarities: Mapping[str, float],
        entry_probs: Mapping[str, float], counterpart: Optional[str], context: Optional[Context] = None,
        stated: frozenset[str] | set[str] = frozenset(),
    ) -> list["Scored"]:
        """Every candidate entry scored for the question, best first (``context``: of a follow-up;
        ``stated``: the case facts the message states)."""
        top_topic = max(topics.values(), default=0.0)
        general = self._general_entries(form, context)
        last, near = self._conversation_entries(context)
        found = self.gazetteer.resolve(counterpart) if counterpart else None
        tags = found.all_tags if found else frozenset()
        scored: list[Scored] = []
        for entry in self._candidates(counterpart):
            topic_p = topics.get(entry.topic, 0.0)
            if entry.id in general:
                topic_p = max(topic_p, GENERAL_SHARE * top_topic)
            fit = self._fit(entry, form)
            sim = similarities.get(entry.id, 0.0)
            prob = entry_probs.get(entry.id, 0.0)
            score = TOPIC * topic_p + SIMILARITY * sim + ENTRY * prob + ASK * fit
            score += LAST_ENTRY if entry.id in last else RELATED if entry.id in near else 0.0
            if entry.rule is not None and entry.rule.fact in stated:
                score += STATED_FACT  # the official states the very fact this entry's answer depends on
            if counterpart and self._about(entry, counterpart):
                score += NAMED_COUNTERPART  # the entry says something about just this counterpart
            elif tags and any(t.when in tags and t.when in SPECIFIC_TAGS for t in entry.tailoring):
                score += TAGGED_COUNTERPART  # … or about counterparts of its kind (a capital, a Nordic city)
            # The topic's probability, or (when NLU and the classifier were unsure) the mean of it and the
            # entry's own evidence; halved when the entry does not answer a strict ask of the question.
            evidence = max(topic_p, (topic_p + max(sim, prob)) / 2)
            confidence = evidence * (0.5 + 0.5 * fit) if form.strict else evidence * max(fit, 0.5) / PRIMARY_FIT
            scored.append(Scored(score, min(confidence, 1.0), fit, entry))
        scored.sort(key=lambda item: (-item.score, item.entry.id))
        return scored


def _names(entry: Entry, counterpart: str) -> bool:
    if any(t.counterpart == counterpart for t in entry.tailoring):
        return True
    return re.search(rf"\b{re.escape(counterpart)}\b", f"{entry.title} {entry.answer}") is not None


@dataclass(frozen=True)
class Scored:
    score: float
    confidence: float
    fit: float
    entry: Entry
