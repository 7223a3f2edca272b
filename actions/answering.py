"""Composing Lotsen's replies from knowledge entries.

Pure functions: which tailoring applies to a counterpart, how an answer
opens for the form of the question, and the reply text (opening, conditions,
the other voice, the source). The Swedish wording lives in ``knowledge/``
(entries, ``presentation.yml``); only the layout is here.

How an answer opens (docs/knowledge.md, "How an answer opens"):
1. the entry has a ``rule`` and the message states a fact that satisfies or
   breaks it: the rule's ``holds`` / ``breaks`` sentence;
2. else, for a yes/no question: the rule's ``unstated`` sentence ("Bara om …")
   or the entry's ``verdict``;
3. then the entry's ``answer``, which always reads as an answer on its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import yaml

from actions.counterparts import Counterpart
from actions.knowledge import Entry, KnowledgeBase, KnowledgeError
from actions.selection.case_facts import CaseFacts
from actions.selection.selector import Selection

# A verdict that says yes (a wrong yes is the worst answer Lotsen can give).
POSITIVE_VERDICT = re.compile(r"^ja\b", re.IGNORECASE)
# Most specific first: a Nordic capital is also a capital and a city.
TAILORING_PRECEDENCE = ("nordic_capital", "capital", "nordic", "eu_member", "city", "country", "organisation")
PRESENTATION_KEYS = (
    "condition_bullet", "citation", "kinds", "clarify_none_of_these", "no_answer", "no_answer_more", "nearest",
    "where_to_turn", "counterpart_lead", "english_note", "two_voices",
)


@dataclass(frozen=True)
class Presentation:
    condition_bullet: str
    citation: str
    kinds: dict[str, str]
    clarify_none_of_these: str
    no_answer: str          # "Det finns inget svar på just det …" ({ask})
    no_answer_more: str     # the same, when the nearest entry was just given
    nearest: str            # the label before the nearest entry
    where_to_turn: str
    counterpart_lead: str   # says the answer applies to a follow-up's new counterpart ({counterpart})
    english_note: str       # one English sentence: Lotsen answers in Swedish
    two_voices: str         # the citation's kind when an entry states both voices

    @classmethod
    def load(cls, directory: Path) -> "Presentation":
        path = directory / "presentation.yml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            values = {key: data[key] for key in PRESENTATION_KEYS}
            values["kinds"] = dict(values["kinds"])
            return cls(**values)
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise KnowledgeError(f"{path}: invalid presentation file: {exc!r}") from exc


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[dict[str, str], ...] = ()


def tailoring_text(entry: Entry, counterpart: Optional[Counterpart]) -> Optional[str]:
    """The entry's extra sentence for this counterpart: a named one first, then the most specific tag."""
    if counterpart is None or not entry.tailoring:
        return None
    named = next((t.text for t in entry.tailoring if t.counterpart == counterpart.name), None)
    if named:
        return named.replace("{counterpart}", counterpart.name)
    by_tag = {t.when: t.text for t in entry.tailoring if t.when}
    for tag in TAILORING_PRECEDENCE:
        if tag in counterpart.all_tags and tag in by_tag:
            return by_tag[tag].replace("{counterpart}", counterpart.name)
    return None


def citation(entry: Entry, presentation: Presentation) -> str:
    """The source line(s): the entry's own source; the other voice's too when it comes from elsewhere."""
    if entry.counterview_cited is not None:
        other, section = entry.counterview_cited
        own = presentation.citation.format(source=entry.source.title, section=entry.section,
                                           kind=presentation.kinds.get(entry.kind, entry.kind))
        return "\n".join([own, presentation.citation.format(source=other.title, section=section,
                                                              kind=presentation.two_voices)])
    kind = presentation.two_voices if entry.counterview else presentation.kinds.get(entry.kind, entry.kind)
    return presentation.citation.format(source=entry.source.title, section=entry.section, kind=kind)


def opening(entry: Entry, yes_no: bool, question: str, facts: Optional[CaseFacts]) -> Optional[str]:
    """The sentence before the entry's answer, for this question (None: the answer opens).

    Only a yes/no question gets one: the rule applied to the facts the message states, else the
    rule's "only if", else the entry's verdict. Other questions are answered by the answer itself,
    with the conditions as bullets (a "what is the difference" question describes no case).
    """
    if not yes_no:
        return None
    if entry.rule is not None and facts is not None:
        reading = facts.reading(entry.rule.fact, question)
        return getattr(entry.rule, reading) if reading is not None else entry.rule.unstated
    if entry.verdict and POSITIVE_VERDICT.match(entry.verdict) and facts is not None and facts.breaks_any(question):
        return None  # the official stated a fact that breaks some rule: no "Ja" from an entry that does not weigh it
    return entry.verdict


def compose_entry(entry: Entry, counterpart: Optional[Counterpart], presentation: Presentation,
                  yes_no: bool = True, question: str = "", facts: Optional[CaseFacts] = None,
                  name_counterpart: bool = False, brief: bool = False) -> str:
    """One entry's answer: opening and answer (with any tailoring), conditions, the other voice, the source.

    ``name_counterpart``: say that the answer applies to ``counterpart`` (a follow-up's new
    counterpart) when no tailoring sentence names it already. ``brief``: the answer and the source
    only (a follow-up answered by the entry just given, which is not sent again in full).
    """
    extra = tailoring_text(entry, counterpart)
    if name_counterpart and counterpart is not None and not (extra and counterpart.name in extra):
        extra = " ".join(p for p in (extra, presentation.counterpart_lead.format(counterpart=counterpart.name)) if p)
    first = " ".join(p for p in (opening(entry, yes_no, question, facts), entry.answer, extra) if p)
    lines = [first]
    if not brief:
        lines += [presentation.condition_bullet.format(text=c) for c in entry.conditions]
        if entry.counterview:
            lines.append(entry.counterview)
    lines.append(citation(entry, presentation))
    return "\n".join(lines)


def followup_buttons(kb: KnowledgeBase, entries: Sequence[Entry],
                     payload: Callable[[str], str]) -> tuple[dict[str, str], ...]:
    """The suggested follow-up questions of the answered entries (their titles), at most three."""
    shown = {e.id for e in entries}
    ids = [f for e in entries for f in e.followups if f not in shown]
    return tuple({"title": kb.entries[i].title, "payload": payload(i)} for i in dict.fromkeys(ids))[:3]


def compose_reply(
    kb: KnowledgeBase, selection: Selection, counterpart: Optional[Counterpart], presentation: Presentation,
    question: str, facts: Optional[CaseFacts], ask_label: Optional[str], english: bool,
    followup_payload: Callable[[str], str],
) -> Reply:
    """The whole reply to an answered question: honest first when the knowledge falls short.

    One message per answering entry (Rasa sends the parts of a text separated by a blank line
    as separate messages); notes about the answer (English, honest, where to turn) belong to the
    message of the entry they are about, a line each.
    """
    lead = [presentation.english_note] if english else []
    entries = [kb.entries[i] for i in selection.entries]
    if selection.nearest:
        template = presentation.no_answer_more if selection.from_context else presentation.no_answer
        lead.append(template.format(ask=f" ({ask_label})" if ask_label else ""))
        if selection.from_context:  # the nearest entry was the last answer: never send it again
            return Reply("\n".join(lead + [presentation.where_to_turn]))
        lead.append(presentation.nearest)
    yes_no = selection.form.yes_no and not selection.nearest
    answers = [compose_entry(e, counterpart, presentation, yes_no, question, facts, selection.new_counterpart,
                             brief=selection.repeat) for e in entries]
    answers[0] = "\n".join(lead + [answers[0]])
    if selection.nearest:
        answers[-1] = "\n".join([answers[-1], presentation.where_to_turn])
    buttons = () if selection.nearest else followup_buttons(kb, entries, followup_payload)
    return Reply("\n\n".join(answers), buttons)
