"""Swedish text analysis for the knowledge search (``actions/search.py``).

A word becomes an index term in these steps: lemmatised
(:func:`nlp.lemmas.lemmatize`, cached per word, two systematic slips of the
table undone and the corrections of ``knowledge/synonyms.yml`` applied),
particle verbs read as one word ("tar vi emot" → motta), Swedish stop words
dropped (``nlp/stopwords_sv.yml``), reduced to a base form from the lemma
table (:func:`actions.search_vocabulary.base_form`) or else lightly stemmed
(the Snowball Swedish suffix rules), folded (å→a, ä→a, ö→o) and mapped to its
synonym group ("systerstad" → vänort). Compounds the index does not know
whole are split into known parts (:func:`expand`); unknown words are matched
to similar known ones by letter trigrams (the index does that, with
:func:`trigrams`).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Callable, Iterable, Mapping, Optional

from actions.search_vocabulary import MAX_PARTICLE_GAP, Lexicon, Vocabulary, base_form
from nlp.lemmas import STOPWORDS_PATH, stop_words

NGRAM_SIZES = (3, 4, 5)
MIN_PART = 3  # shortest compound part, in characters
MAX_CACHE = 20000  # words kept per cache (lemmas, compound splits)

WORD = re.compile(r"\w+(?:[-:]\w+)*")
PIECE_SPLIT = re.compile(r"[-:_]")
_COMMON_DIACRITICS = str.maketrans("åäöéèüáàëïôç", "aaoeeuaaeioc")


def fold(text: str) -> str:
    """Lower-case and strip diacritics: å→a, ä→a, ö→o, é→e."""
    quick = text.lower().translate(_COMMON_DIACRITICS)
    if quick.isascii():
        return quick
    decomposed = unicodedata.normalize("NFKD", quick)
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
    return frozenset(fold(w) for w in stop_words(path))


def trigrams(term: str) -> frozenset[str]:
    padded = f" {term} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def default_lemmatize(text: str) -> list[str]:
    from nlp.lemmas import lemmatize

    return lemmatize(text)


# Verbs that are stop words on their own but start particle verbs ("vara med").
PHRASE_VERBS_IN_STOPWORDS = frozenset({"vara", "är", "var", "varit", "ha", "har", "hade", "haft"})
# Endings added to synonym words so that their inflected forms are found too
# (after a vowel, after a consonant).
GROUP_INFLECTIONS = (
    ("n", "r", "rna", "ns", "t"),
    ("en", "et", "er", "ar", "or", "erna", "arna", "orna", "ens", "ets"),
)


@dataclass
class Analyzer:
    """Turns text into folded index terms: base forms or stems, synonyms mapped to their group."""

    lemmatize: Callable[[str], list[str]]
    stopwords: frozenset[str]
    synonyms: Mapping[str, str] = field(default_factory=dict)
    phrases: Mapping[tuple[str, str], str] = field(default_factory=dict)
    lemma_fixes: Mapping[str, str] = field(default_factory=dict)
    cue_words: frozenset[str] = frozenset()  # folded
    vocabulary: AbstractSet[str] = frozenset()
    lexicon: Optional[Lexicon] = None
    cache: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lemma_cache: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, lemmatize: Callable[[str], list[str]], stopwords: frozenset[str],
              vocabulary: Vocabulary = Vocabulary(), lexicon: Optional[Lexicon] = None) -> "Analyzer":
        """An analyzer for ``vocabulary``: each synonym maps to its group's first word's term."""
        analyzer = cls(lemmatize, stopwords, lemma_fixes=vocabulary.lemmas, lexicon=lexicon,
                       cue_words=frozenset(fold(w) for w in vocabulary.cue_words))
        table: dict[str, str] = {}
        for group in vocabulary.groups:
            head = next((p[-1] for p in map(analyzer._lemma_pieces, group) if p), None)
            for word in group:
                # Inflected forms of the word are registered too, in case the lexicon
                # does not know the word and the stemmer treats its forms differently.
                endings = GROUP_INFLECTIONS[0] if fold(word[-1]) in "aeiouy" else GROUP_INFLECTIONS[1]
                forms = [analyzer._lemma_pieces(word)] + [analyzer._pieces([word + e]) for e in endings]
                for term in (p[-1] for p in forms if p):
                    if head is not None and term != head:
                        table.setdefault(term, head)
        analyzer.phrases = {(analyzer._lemma(verb), particle): word
                            for (verb, particle), word in vocabulary.phrases.items()}
        analyzer.cache.clear()  # cached before the table existed
        analyzer.synonyms = table
        return analyzer

    def words(self, text: str) -> list[str]:
        """Index words of the content words of ``text`` (stop words and 1-letter pieces dropped)."""
        tokens = WORD.findall(text.lower())
        result: list[str] = []
        used: set[int] = set()
        for i, surface in enumerate(tokens):
            if i in used:
                continue
            phrase = self._phrase_at(tokens, i)
            if phrase is not None:
                word, particle_at = phrase
                used.add(particle_at)
                result.extend(self._lemma_pieces(word))
            elif fold(surface) not in self.stopwords:
                result.extend(self._lemma_pieces(surface))
        return result

    def cues(self, text: str) -> list[str]:
        """Marker terms ("_fran") for the cue words in ``text`` (see ``cue_words`` in knowledge/synonyms.yml)."""
        if not self.cue_words:
            return []
        return [f"_{w}" for w in map(fold, WORD.findall(text.lower())) if w in self.cue_words]

    def use_vocabulary(self, vocabulary: AbstractSet[str], texts: Iterable[str]) -> None:
        """Prefer known terms from now on (see :meth:`_term`); re-analyse ``texts`` in one call."""
        self.vocabulary = vocabulary
        self.cache.clear()
        self.prime(texts)

    def canonical(self, term: str) -> str:
        """The term naming ``term``'s synonym group (``term`` itself when it has none)."""
        return self.synonyms.get(term, term)

    def prime(self, texts: Iterable[str]) -> None:
        """Lemmatise the new words of ``texts`` in one call (a build's thousands of words)."""
        new = {w for text in texts for w in WORD.findall(text.lower()) if w not in self.cache}
        simple = sorted(w for w in new if w.isalnum() and w not in self.lemma_fixes)
        lemmas = self.lemmatize("\n".join(simple)) if simple else []
        if len(lemmas) != len(simple):  # the lemmatiser split a word: fall back to one call per word
            return
        if len(self.cache) + len(simple) >= MAX_CACHE:
            self.cache.clear()
            self.lemma_cache.clear()
        for surface, lemma in zip(simple, lemmas):
            lemma = self._correct(surface, lemma)
            self.lemma_cache[surface] = lemma
            self.cache[surface] = self._pieces([lemma])

    def _phrase_at(self, tokens: list[str], i: int) -> Optional[tuple[str, int]]:
        """The word for a particle verb at ``tokens[i]`` ("tar vi emot" → motta) and its particle's index."""
        if not self.phrases or (fold(tokens[i]) in self.stopwords and tokens[i] not in PHRASE_VERBS_IN_STOPWORDS):
            return None
        verb = self._lemma(tokens[i])
        for j in range(i + 1, min(len(tokens), i + 2 + MAX_PARTICLE_GAP)):
            word = self.phrases.get((verb, tokens[j]))
            if word is not None:
                return word, j
            if fold(tokens[j]) not in self.stopwords:
                return None
        return None

    def _correct(self, surface: str, lemma: str) -> str:
        """Two systematic slips of the lemma table, undone.

        A word that is itself a base form keeps it: the table reads "mål",
        "besök", "stöd" as imperatives of måla, besöka, stödja although
        "målet" → mål. A present tense in -ar is not an agent noun:
        "arbetar" → arbeta, not arbetare.
        """
        if lemma.startswith(surface) and lemma != surface and self.lexicon is not None \
                and surface in self.lexicon.base_forms:
            return surface
        if lemma == surface + "e" and surface.endswith("ar"):
            return surface[:-1]
        return lemma

    def _lemma(self, surface: str) -> str:
        """The (corrected) lemma of one lower-case word."""
        lemma = self.lemma_fixes.get(surface) or self.lemma_cache.get(surface)
        if lemma is None:
            lemma = self._correct(surface, next(iter(self.lemmatize(surface)), surface))
            if len(self.lemma_cache) >= MAX_CACHE:
                self.lemma_cache.clear()
            self.lemma_cache[surface] = lemma
        return lemma

    def _lemma_pieces(self, surface: str) -> tuple[str, ...]:
        cached = self.cache.get(surface)
        if cached is None:
            if surface in self.lemma_fixes:
                cached = self._pieces([self.lemma_fixes[surface]], corrected=True)
            else:
                lemmas = self.lemmatize(surface) or [surface]
                cached = self._pieces([self._correct(surface, lemma) for lemma in lemmas])
            if len(self.cache) >= MAX_CACHE:
                self.cache.clear()
            self.cache[surface] = cached
        return cached

    def _pieces(self, lemmas: list[str], corrected: bool = False) -> tuple[str, ...]:
        """Index terms of one word's lemmas: split at hyphens, stop words dropped, reduced, folded.

        ``corrected`` lemmas (from knowledge/synonyms.yml) are used as they are.
        """
        pieces = []
        for lemma in lemmas:
            for piece in PIECE_SPLIT.split(lemma.lower()):
                folded = fold(piece)
                if len(folded) >= 2 and folded not in self.stopwords:
                    pieces.append(self.canonical(folded) if corrected else self._term(piece, folded))
        return tuple(pieces)

    def _term(self, piece: str, folded: str) -> str:
        """The folded term of a lemma: its base form when the lexicon knows it, else its stem.

        Folding first can fake an ending: "kontaktnat" (for kontaktnät) loses
        "-at" to the stemmer, so a known unstemmed form wins over an unknown stem.
        """
        base = base_form(piece, self.lexicon) if self.lexicon is not None else None
        term = self.canonical(fold(base if base is not None else stem(piece)))
        if self.vocabulary and term not in self.vocabulary and self.canonical(folded) in self.vocabulary:
            return self.canonical(folded)
        return term


def split_compound(term: str, vocabulary: AbstractSet[str], cache: dict[str, tuple[str, ...]],
                   canonical: Callable[[str], str] = lambda t: t) -> tuple[str, ...]:
    """Split a compound into known parts ("bistandsprojekt" → bistand, projekt), or ().

    A linking -s and an inflected last part are allowed; parts are mapped
    to their synonym group by ``canonical``.
    """
    if term in cache:
        return cache[term]
    if len(cache) >= MAX_CACHE:
        cache.clear()
    cache[term] = ()  # guards the recursion
    result: tuple[str, ...] = ()
    for cut in range(len(term) - MIN_PART, MIN_PART - 1, -1):
        head, tail = term[:cut], term[cut:]
        heads = [head] + ([head[:-1]] if head.endswith("s") and len(head) > MIN_PART else [])
        known_head = next((canonical(h) for h in heads if canonical(h) in vocabulary), None)
        if known_head is None:
            continue
        known_tail = known_form(tail, vocabulary, canonical)
        if known_tail is not None:
            result = (known_head, known_tail)
            break
        rest = split_compound(tail, vocabulary, cache, canonical)
        if rest:
            result = (known_head,) + rest
            break
    cache[term] = result
    return result


INFLECTIONS = ("arna", "erna", "orna", "na", "en", "et", "er", "ar", "or", "n", "t", "s", "e", "a")


def known_form(term: str, vocabulary: AbstractSet[str],
               canonical: Callable[[str], str] = lambda t: t) -> Optional[str]:
    """``term`` or a shorter known form of it (a stem, or one Swedish ending removed)."""
    if canonical(term) in vocabulary:
        return canonical(term)
    for candidate in [stem(term)] + [term[: -len(e)] for e in INFLECTIONS if term.endswith(e)]:
        if len(candidate) >= MIN_PART and canonical(candidate) in vocabulary:
            return canonical(candidate)
    return None


def expand(word: str, vocabulary: AbstractSet[str], cache: dict[str, tuple[str, ...]],
           canonical: Callable[[str], str] = lambda t: t) -> list[str]:
    """The word itself plus its compound parts."""
    return [word, *split_compound(word, vocabulary, cache, canonical)]


def ngrams(words: Iterable[str]) -> Counter:
    """Character n-grams of each word padded with spaces, counted."""
    counts: Counter = Counter()
    for word in words:
        padded = f" {word} "
        for n in NGRAM_SIZES:
            counts.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return counts
