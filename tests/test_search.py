"""Knowledge search (actions/search.py): paraphrases, development and held-out sets,
Swedish normalisation, knowledge/synonyms.yml, garbage.

Accuracy is measured by ``scripts/search_eval.py`` (docs/knowledge.md); the
tests guard the levels reached. The held-out set is only scored, never used
for tuning.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from actions.knowledge import KnowledgeError, load_knowledge
from actions.search import (
    ANSWER_THRESHOLD, MAX_PER_TOPIC, SUGGEST_THRESHOLD, Hit, KnowledgeSearch, fold, load_examples, stem,
)
from actions.search_vocabulary import VOCABULARY_PATH, load_vocabulary
from nlp.lemmas import lemmatize

ROOT = Path(__file__).resolve().parent.parent

# Our own paraphrases (the training side: thresholds and weights were tuned on
# these and on the entries' titles). Written as officials would ask, mostly
# without the entry's title words.
PARAPHRASES: list[tuple[str, str]] = [
    ("En stad i Italien vill bli vår vänstad, kan vi säga ja?", "vanortsavtal"),
    ("Kan stadsdelen ingå ett vänskapsavtal med en kommun i Polen?", "vanortsavtal"),
    ("Vi vill skriva ett avtal med Tallinns miljöförvaltning om avfallshantering, går det?", "samarbetsavtal"),
    ("Kan förvaltningen skriva under en avsiktsförklaring med en annan stad?", "samarbetsavtal"),
    ("En grupp politiker från Nairobi vill komma och titta på vår äldreomsorg, ska vi ta emot dem?",
     "delegationsbesok"),
    ("Besökarna från Japan vill ge oss en present, får vi ta emot den?", "delegationsbesok"),
    ("Kan vi skicka personal till Amsterdam för att se hur de jobbar med cykelbanor?", "studieresa"),
    ("Får medarbetarna åka utomlands för att lära sig hur andra städer driver skolor?", "studieresa"),
    ("Vi funderar på att söka pengar från Interreg tillsammans med partner i Finland", "eu_projekt"),
    ("Får förvaltningen vara med i ett Erasmus-projekt?", "eu_projekt"),
    ("Kan vi hjälpa en kommun i Moçambique med vattenrening om Sida står för kostnaderna?", "bistand"),
    ("Får staden stödja ett utvecklingssamarbete i ett fattigt land?", "bistand"),
    ("Får förvaltningen ansluta sig till en europeisk organisation för städer?", "natverk"),
    ("Är Stockholm medlem i klimatnätverket C40?", "natverk"),
    ("Hur kan staden lobba mot ett nytt EU-direktiv som drabbar oss?", "paverkan"),
    ("Hur når vi fram i Bryssel med våra synpunkter på ny lagstiftning?", "paverkan"),
    ("Hur ser strategin på samarbete med Oslo och Helsingfors?", "nordiskt_samarbete"),
    ("Har vi ett särskilt band till de andra huvudstäderna i Norden?", "nordiskt_samarbete"),
    ("Vilka är de fyra delarna som strategin bygger på?", "inriktningar"),
    ("Vad innebär omvärldsbevakning i praktiken?", "inriktningar"),
    ("Vad är syftet med stadens internationella arbete?", "mal_vision2040"),
    ("Hur hänger det internationella arbetet ihop med Vision 2040?", "mal_vision2040"),
    ("Gäller strategin även för bostadsbolagen?", "omfattning"),
    ("Omfattas stadsdelsnämnderna av den internationella strategin?", "omfattning"),
    ("Behöver vår förvaltning utse någon som ansvarar för det internationella?", "kontaktperson"),
    ("Vem ska vara vår internationella samordnare?", "kontaktperson"),
    ("Måste vi budgetera för det internationella separat och följa upp det?", "resurser_uppfoljning"),
    ("Hur ska kostnaderna för det internationella arbetet dokumenteras?", "resurser_uppfoljning"),
    ("Vem har befogenhet att företräda vår verksamhet internationellt?", "mandat_beslut"),
    ("Vem beslutar om internationella frågor för hela staden?", "mandat_beslut"),
]

# Spelling the search must survive: typos, no å/ä/ö, compounds split differently.
MISSPELLED: list[tuple[str, str]] = [
    ("far vi teckna vanortsavtal", "vanortsavtal"),
    ("kan vi ta emot en delegasion fran kina", "delegationsbesok"),
    ("bistandsprojekt i afrika", "bistand"),
    ("projekt inom bistånd", "bistand"),
    ("omvarldsbevakning", "inriktningar"),
    ("internationel kontaktpreson", "kontaktperson"),
]

# Questions nothing in the knowledge base answers.
GARBAGE = [
    "asdf qwerty",
    "Vad kostar en kanelbulle?",
    "Hur blir vädret i helgen?",
    "Var kan jag parkera bilen?",
    "Hur byter jag lösenord till datorn?",
    "När går nästa buss till Skansen?",
    "Kan du rekommendera en bra lunchrestaurang?",
    "Jag vill beställa en pizza",
    "Hur ansöker jag om semester?",
    "Vem vann melodifestivalen?",
]


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="module")
def search(kb) -> KnowledgeSearch:
    """The search as the action server builds it: knowledge base plus data/nlu.yml."""
    lemmatize("värm upp")  # load the spaCy pipeline once, outside the timings
    return KnowledgeSearch.build(kb, lemmatize)


@pytest.fixture(scope="module")
def kb_only(kb) -> KnowledgeSearch:
    return KnowledgeSearch.build(kb, lemmatize, examples={})


def top_topic(search: KnowledgeSearch, text: str) -> str | None:
    hits = search.search(text, limit=1)
    return hits[0].topic if hits else None


@pytest.mark.parametrize("text,topic", PARAPHRASES)
def test_paraphrase_ranks_the_right_topic_first(search, text, topic):
    hits = search.search(text)
    assert hits and hits[0].topic == topic, hits


@pytest.mark.parametrize("text,topic", MISSPELLED)
def test_typos_missing_diacritics_and_compounds(search, text, topic):
    hits = search.search(text)
    assert hits and hits[0].topic == topic, hits


def test_paraphrases_reach_the_suggest_threshold(search):
    below = [t for t, _ in PARAPHRASES if search.search(t)[0].score < SUGGEST_THRESHOLD]
    assert not below, below


def test_every_title_finds_its_own_entry_and_is_answered_directly(search, kb):
    for entry in kb.entries.values():
        best = search.search(entry.title, limit=1)[0]
        assert best.entry_id == entry.id, (entry.title, best)
        assert best.score >= ANSWER_THRESHOLD, (entry.title, best)


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_scores_below_the_suggest_threshold(search, kb_only, text):
    for index in (search, kb_only):
        hits = index.search(text)
        assert not hits or hits[0].score < SUGGEST_THRESHOLD, hits


def test_knowledge_base_alone_still_works(kb_only, kb):
    """Without example questions the entries' own text decides."""
    assert kb_only.classifier is None
    for entry in kb.entries.values():
        assert kb_only.search(entry.title, limit=1)[0].entry_id == entry.id, entry.title
    right = sum(top_topic(kb_only, text) == topic for text, topic in PARAPHRASES + MISSPELLED)
    assert right >= 0.9 * len(PARAPHRASES + MISSPELLED)


def test_empty_and_stop_word_queries_return_nothing(search):
    assert search.search("") == []
    assert search.search("vad är det och hur?") == []


def test_hits_are_sorted_limited_and_normalised(search):
    hits = search.search("Får vi teckna ett vänortsavtal med Oslo?", limit=5)
    assert len(hits) == 5
    assert all(isinstance(h, Hit) and 0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].entry_id == "vanortsavtal.inga-vanortsavtal"
    assert hits[0].score >= ANSWER_THRESHOLD


def test_thresholds_are_ordered():
    assert 0.0 < SUGGEST_THRESHOLD < ANSWER_THRESHOLD < 1.0


def test_folding_and_stemming():
    assert fold("Vänortsavtal Östersjön Åland") == "vanortsavtal ostersjon aland"
    assert stem("delegationerna") == "delegation"
    assert stem("vänorter") == "vänort"


def test_stop_words_come_from_the_data_file(kb, tmp_path):
    path = tmp_path / "stopwords.yml"
    path.write_text("stopwords: [vänortsavtal]\n", encoding="utf-8")
    custom = KnowledgeSearch.build(kb, lemmatize, examples={}, stopwords_path=path)
    assert custom.analyzer.words("vänortsavtal och vänort") == ["och", "vanort"]


def test_examples_are_read_from_the_nlu_file_without_annotations(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: vanortsavtal\n  examples: |\n'
        '    - Får vi bli vänort med [Oslo](counterpart)?\n'
        '    - vänort med [Kopenhamn]{"entity": "counterpart", "value": "Köpenhamn"}\n'
        '- synonym: Oslo\n  examples: |\n    - oslo\n',
        encoding="utf-8",
    )
    assert load_examples(path) == {"vanortsavtal": ["Får vi bli vänort med Oslo?", "vänort med Kopenhamn"]}


def _questions(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _accuracy(search: KnowledgeSearch, questions: list[dict]) -> float:
    """Share of ``questions`` with the right topic first (only the rate is reported)."""
    return sum(top_topic(search, q["text"]) == q["topic"] for q in questions) / len(questions)


DEV = ROOT / "tests" / "search_dev.yml"
HELDOUT = ROOT / "tests" / "heldout" / "search.yml"


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w ]", " ", text.lower()).split())


def test_development_set_covers_every_topic_and_stays_out_of_training(kb):
    dev = _questions(DEV)
    assert len(dev) >= 60
    assert {q["topic"] for q in dev} == set(kb.by_topic)
    training = {_normalise(q) for qs in load_examples().values() for q in qs}
    entry_texts = {_normalise(t) for e in kb.entries.values() for t in (e.title, *e.questions)}
    leaked = [q["text"] for q in dev if _normalise(q["text"]) in training | entry_texts]
    assert not leaked, f"development questions found in data/ or knowledge/: {leaked}"


def test_heldout_questions_are_not_in_the_knowledge_base(kb):
    entry_texts = {_normalise(t) for e in kb.entries.values() for t in (e.title, *e.questions, *e.keywords)}
    leaked = [q["text"] for q in _questions(HELDOUT) if _normalise(q["text"]) in entry_texts]
    assert not leaked, "held-out questions found in knowledge/"


def test_development_paraphrases_rank_the_right_topic_first(search):
    """Tuned on these (171 of 182 = 94.0 % when written)."""
    rate = _accuracy(search, _questions(DEV))
    assert rate >= 0.91, f"development top-1 accuracy {rate:.1%}"


def test_heldout_paraphrases_do_not_regress(search):
    """Guard for the level reached (44 of 45 = 97.8 % with the keyword-free NLU examples); never tuned on."""
    questions = _questions(HELDOUT)
    assert len(questions) >= 40
    rate = _accuracy(search, questions)
    assert rate >= 0.93, f"held-out top-1 accuracy {rate:.1%}"


# ------------------------------------------------------------ Swedish normalisation

@pytest.mark.parametrize("a,b", [
    ("vänstad", "vänstäder"),            # base and plural of a compound the table lacks
    ("partnerstäder", "vänort"),         # synonym group
    ("mål", "målen"),                    # the table reads "mål" as the verb "måla"
    ("arbetar", "arbeta"),               # and "arbetar" as the noun "arbetare"
    ("länder", "land"),                  # a correction in knowledge/synonyms.yml
    ("säger", "sager"),                  # written without å/ä/ö
    ("förvaltningen", "forvaltningen"),
])
def test_forms_of_one_word_give_the_same_term(search, a, b):
    assert search.analyzer.words(a) == search.analyzer.words(b)


def test_particle_verbs_are_read_as_one_word_whatever_the_word_order(search):
    words = search.analyzer.words
    assert words("Tar vi emot delegationen?") == words("ta emot delegationen") == words("motta delegationen")
    assert words("ta fram en delegation") != words("ta emot en delegation")
    assert words("skrev under avtalet") == words("undertecknade avtalet")


def test_synonyms_find_the_entry_without_its_words(kb_only):
    """Without example questions, a general Swedish synonym alone finds the entry."""
    assert top_topic(kb_only, "Kan vi bli systerstad med Riga?") == "vanortsavtal"
    assert top_topic(kb_only, "Får vi skriva en överenskommelse med Tallinn?") == "samarbetsavtal"


def test_an_unknown_compound_keeps_its_known_last_part(search):
    weights, unknown = search._query_terms(search.analyzer.words("sidoverksamhet"))
    assert "verksamhet" in weights and 0 < weights["verksamhet"] < 1


def test_a_one_word_question_is_not_answered_directly(search):
    """"utlandet" matches a keyword fully, but one word is too little to answer without asking."""
    best = search.search("något om utlandet")[0]
    assert SUGGEST_THRESHOLD <= best.score < ANSWER_THRESHOLD


def test_suggestions_offer_more_than_one_topic(search):
    hits = search.search("Får vi åka till Berlin och titta på deras skolor?", limit=3)
    assert len(hits) == 3 and len({h.topic for h in hits}) >= 2
    assert max(sum(h.topic == t for h in hits) for t in {h.topic for h in hits}) <= MAX_PER_TOPIC


# ------------------------------------------------------------ knowledge/synonyms.yml

def _vocabulary_copy(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(VOCABULARY_PATH.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "synonyms.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("edit,message", [
    (lambda d: d["synonyms"].append(["ensam"]), "at least two words"),
    (lambda d: d["synonyms"].append(["vänort", "x"]), "already in group"),
    (lambda d: d["synonyms"].append(["två ord", "x"]), "not a single word"),
    (lambda d: d["phrases"].update({"ta": "motta"}), "two words"),
    (lambda d: d["lemmas"].update({"mål": ["mål"]}), "not a single word"),
    (lambda d: d.update({"synonymer": []}), "unknown section"),
    (lambda d: d.update({"cue_words": "från"}), "list of words"),
])
def test_a_broken_vocabulary_file_fails_loudly(tmp_path, kb, edit, message):
    path = _vocabulary_copy(tmp_path, edit)
    with pytest.raises(KnowledgeError, match=message):
        load_vocabulary(path)
    with pytest.raises(KnowledgeError, match=message):
        KnowledgeSearch.build(kb, lemmatize, examples={}, vocabulary_path=path)


def test_the_vocabulary_file_is_valid_and_not_a_topic_file(kb):
    vocabulary = load_vocabulary()
    assert len(vocabulary.groups) >= 20 and vocabulary.phrases and vocabulary.lemmas and vocabulary.cue_words
    assert all(e.file != "synonyms.yml" for e in kb.entries.values())


def test_an_entry_with_an_unknown_field_fails(tmp_path):
    broken = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", broken)
    path = broken / "bistand.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"][0]["question"] = ["Får vi?"]  # a typo of 'questions'
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"bistand\.yml.*unknown field.*question"):
        load_knowledge(broken)


def test_entry_questions_teach_the_classifier_their_topic(kb):
    """Each entry's example questions are examples of its topic for the topic classifier."""
    search = KnowledgeSearch.build(kb, lemmatize, examples={"greet": ["hej", "hallå"], "thank": ["tack"]})
    questions = [(q, e.topic) for e in kb.entries.values() for q in e.questions]
    assert len(questions) >= 100
    learned = sum(max(p := search.classifier.probabilities(q), key=p.get) == topic for q, topic in questions)
    assert learned >= 0.95 * len(questions)


def test_the_fast_feature_row_gives_scikit_learns_probabilities(search):
    """The classifiers score a message through TextFeatures.row; scikit-learn's own transform is the reference."""
    for text in ("Får vi teckna ett vänortsavtal med Berlin?", "vem betalar resan till wien", "xyzzy", ""):
        for classifier in (search.classifier, search.entry_classifier):
            own = classifier.probabilities_of_row(*search.features.row(text))
            reference = classifier.probabilities_of(search.features.transform([text]))
            assert own.keys() == reference.keys()
            assert all(abs(own[k] - reference[k]) < 1e-9 for k in own), text
