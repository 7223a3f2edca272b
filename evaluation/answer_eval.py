"""make eval, answers: does the official get the entry that answers what they asked?

Runs the held-out sets of tests/heldout/ (or the development sets of
tests/dev/ with ``--dev``) through the same decision the actions make
(:func:`actions.selection.plan.plan_reply`, with NLU parses of a trained
model) and reports:

- single questions (questions.yml, entries.yml): entry top-1 and top-3
  overall and per topic, the entry confusions, the honest rate on questions
  the knowledge cannot answer, and the same for today's keyword choice
  (``evaluation/keyword_choice.py``) and for Rasa's default pipeline's NLU;
- conversations (conversations.yml): last-message entry accuracy and the
  counterpart named;
- forms (forms.yml): the share of replies whose opening fits the question:
  a yes/no question opens with a verdict (the entry's verdict or its rule
  applied to the case), any other question does not; an honest reply fits
  either;
- stated conditions (conditions.yml): the verdict the reply opens with, and
  wrong yeses (must be 0).

NLU parses are cached per model in results/eval/parses-<model>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from actions.answering import Presentation, compose_reply
from actions.counterparts import Gazetteer
from actions.knowledge import KnowledgeBase, load_knowledge
from actions.runtime import build_selector
from actions.selection.case_facts import CaseFacts
from actions.selection.context import Context
from actions.selection.plan import Plan, plan_reply
from actions.selection.selector import EntrySelector
from evaluation.keyword_choice import keyword_entry

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "eval"
HELDOUT = ROOT / "tests" / "heldout"
DEV = ROOT / "tests" / "dev"
_CONDITIONAL = re.compile(r"^(bara|endast|enbart|ja, om|ja, men bara|ja, i enskilda fall|det beror)", re.IGNORECASE)


class Parser:
    """NLU parses of a trained model, cached on disk by model file name."""

    def __init__(self, model: Path) -> None:
        self.model = model
        self.cache_path = OUT / f"parses-{model.name.removesuffix('.tar.gz')}.json"
        self.cache: dict[str, dict[str, Any]] = (
            json.loads(self.cache_path.read_text(encoding="utf-8")) if self.cache_path.exists() else {}
        )
        self.agent: Any = None

    def parse(self, texts: list[str]) -> dict[str, dict[str, Any]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            from rasa.core.agent import Agent
            from rasa.utils.log_utils import configure_structlog

            configure_structlog(logging.WARNING)  # Rasa logs every parse at debug level otherwise
            self.agent = self.agent or Agent.load(str(self.model))

            async def run() -> list[dict[str, Any]]:
                return [await self.agent.parse_message(t) for t in missing]

            for text, parsed in zip(missing, asyncio.run(run())):
                self.cache[text] = {"intent": parsed["intent"], "intent_ranking": parsed.get("intent_ranking", []),
                                    "entities": [{k: e.get(k) for k in ("entity", "value", "start", "end")}
                                                 for e in parsed.get("entities", [])]}
            OUT.mkdir(parents=True, exist_ok=True)
            self.cache_path.write_text(json.dumps(self.cache, ensure_ascii=False), encoding="utf-8")
        return {t: self.cache[t] for t in texts}


@dataclass
class Lotsen:
    """The answering side of Lotsen, in-process."""

    kb: KnowledgeBase
    selector: EntrySelector
    facts: CaseFacts
    gazetteer: Gazetteer
    presentation: Presentation

    @classmethod
    def load(cls) -> "Lotsen":
        kb = load_knowledge(ROOT / "knowledge")
        gazetteer = Gazetteer.load(ROOT / "data" / "lookups" / "counterparts.yml")
        selector, facts = build_selector(kb, ROOT / "knowledge", gazetteer)
        return cls(kb, selector, facts, gazetteer, Presentation.load(ROOT / "knowledge"))

    def counterpart(self, text: str, parsed: dict[str, Any]) -> Optional[str]:
        entity = next((e for e in parsed["entities"] if e.get("entity") == "counterpart"), None)
        found = self.gazetteer.counterpart_in(text, entity)
        return found.name if found else None

    def plan(self, text: str, parsed: dict[str, Any], context: Context = Context()) -> tuple[Plan, Optional[str]]:
        counterpart = self.counterpart(text, parsed)
        return plan_reply(self.selector, text, parsed["intent"]["name"], parsed["intent_ranking"], context,
                          counterpart), counterpart

    def verdict_opening(self, text: str, plan: Plan) -> Optional[bool]:
        """Whether the reply opens with a yes/no verdict (an entry's verdict or rule sentence, or
        Ja/Nej); None for an honest reply, which fits any question."""
        if plan.selection is None or plan.selection.nearest:
            return None
        reply = self.reply_text(text, plan).removeprefix(self.presentation.english_note).lstrip()
        openings = [o for i in plan.selection.entries for o in self._openings(self.kb.entries[i])]
        return any(reply.startswith(o) for o in openings) or opening_kind(reply) != "statement"

    def verdict_given(self, text: str, plan: Plan) -> str:
        """The verdict the reply opens with: "yes", "no", "conditional" or "statement". A rule's
        sentence counts as what it says (its ``holds`` is a yes, even "Ja, i enskilda fall – …")."""
        reply = self.reply_text(text, plan).removeprefix(self.presentation.english_note).lstrip()
        for entry_id in plan.selection.entries if plan.selection and not plan.selection.nearest else ():
            rule = self.kb.entries[entry_id].rule
            if rule is not None:
                for verdict, sentence in (("yes", rule.holds), ("no", rule.breaks), ("conditional", rule.unstated)):
                    if reply.startswith(sentence):
                        return verdict
        return opening_kind(reply)

    @staticmethod
    def _openings(entry: Any) -> list[str]:
        rule = [entry.rule.holds, entry.rule.breaks, entry.rule.unstated] if entry.rule else []
        return [o for o in [entry.verdict, *rule] if o]

    def reply_text(self, text: str, plan: Plan) -> str:
        if plan.selection is None:
            return ""
        sel = plan.selection
        counterpart = self.gazetteer.resolve(sel.counterpart) if sel.counterpart else None
        reply = compose_reply(self.kb, sel, counterpart, self.presentation, text, self.facts,
                              self.selector.asks.label(sel.unanswered_ask) if sel.unanswered_ask else None,
                              self.selector.asks.is_english(text), str)
        return reply.text


def chosen(plan: Plan) -> tuple[list[str], list[str], bool]:
    """(answering entries, top-3 ranking, honest) for a plan."""
    if plan.kind == "answer" and plan.selection is not None:
        sel = plan.selection
        return ([] if sel.nearest else list(sel.entries)), list(sel.ranked[:3]), sel.nearest
    if plan.kind == "clarify":
        return [], [h.entry_id for h in plan.hits[:3]], True
    return [], [], plan.kind == "out_of_scope"


@dataclass
class Tally:
    total: int = 0
    top1: int = 0
    top3: int = 0
    by_topic: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    confusions: Counter = field(default_factory=Counter)
    unanswerable: int = 0
    honest: int = 0

    def add(self, topic: str, accepted: list[str], answer: list[str], top3: list[str], honest: bool) -> None:
        if not accepted:
            self.unanswerable += 1
            self.honest += honest
            return
        hit1 = bool(answer) and answer[0] in accepted
        hit3 = bool(set(accepted) & set(top3 or answer))
        self.total += 1
        self.top1 += hit1
        self.top3 += hit3
        row = self.by_topic[topic]
        row[0] += 1
        row[1] += hit1
        row[2] += hit3
        if not hit1:
            self.confusions[(accepted[0], answer[0] if answer else ("(nearest)" if honest else "(none)"))] += 1


def load_items(path: Path) -> list[dict[str, Any]]:
    """The items of an evaluation file: a plain list, or a mapping with one list (``conversations:`` …)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict):
        [items] = [v for v in data.values() if isinstance(v, list)]
        return items
    return data


def singles(lotsen: Lotsen, parser: Parser, items: list[dict[str, Any]],
            baseline: Optional[Callable[[str, dict[str, Any]], list[str]]] = None) -> Tally:
    items = [i for i in items if "entries" in i and i["topic"] not in ("smalltalk", "out_of_scope")]
    parses = parser.parse([i["text"] for i in items])
    tally = Tally()
    for item in items:
        parsed = parses[item["text"]]
        if baseline is not None:
            answer = baseline(item["text"], parsed)
            tally.add(item["topic"], list(item["entries"]), answer, answer, not answer)
            continue
        plan, _ = lotsen.plan(item["text"], parsed)
        answer, top3, honest = chosen(plan)
        tally.add(item["topic"], list(item["entries"]), answer, top3, honest)
    return tally


def false_answers(lotsen: Lotsen, parser: Parser, items: list[dict[str, Any]]) -> tuple[int, int]:
    """(smalltalk and out-of-scope questions answered with a knowledge entry, all of them)."""
    items = [i for i in items if i.get("topic") in ("smalltalk", "out_of_scope")]
    parses = parser.parse([i["text"] for i in items])
    answered = 0
    for item in items:
        plan, _ = lotsen.plan(item["text"], parses[item["text"]])
        answered += plan.kind == "answer" and plan.selection is not None and not plan.selection.nearest
    return answered, len(items)


def conversations(lotsen: Lotsen, parser: Parser, items: list[dict[str, Any]]) -> dict[str, Any]:
    parses = parser.parse([t for c in items for t in c["turns"]])
    correct = counterpart_ok = counterpart_total = answerable = honest = unanswerable = 0
    misses = []
    for conv in items:
        context = Context()
        for turn in conv["turns"]:
            plan, _ = lotsen.plan(turn, parses[turn], context)
            sel = plan.selection
            if plan.kind == "answer" and sel is not None:
                context = Context(topic=sel.topic, entry_id=sel.entries[0], counterpart=sel.counterpart,
                                  reply_entries=sel.entries, yes_no=sel.form.yes_no)
        answer, _, was_honest = chosen(plan)
        accepted = list(conv.get("accept") or [])
        if accepted:
            answerable += 1
            ok = bool(answer) and answer[0] in accepted
            correct += ok
            if not ok:
                misses.append((conv["id"], accepted[0], answer[0] if answer else "(honest)" if was_honest else "-"))
        else:
            unanswerable += 1
            honest += was_honest
        if conv.get("counterpart"):
            counterpart_total += 1
            counterpart_ok += bool(plan.selection and plan.selection.counterpart == conv["counterpart"])
    return {"answerable": answerable, "correct": correct, "unanswerable": unanswerable, "honest": honest,
            "counterpart_total": counterpart_total, "counterpart_ok": counterpart_ok, "misses": misses}


def opening_kind(reply: str, note: str = "") -> str:
    """How a reply opens: yes, no, conditional ("Bara om …") or a statement (past any English note)."""
    first = reply.lstrip()
    if note and first.startswith(note):
        first = first[len(note):].lstrip()
    if _CONDITIONAL.match(first):
        return "conditional"
    if re.match(r"^ja\b", first, re.IGNORECASE):
        return "yes"
    if re.match(r"^nej\b", first, re.IGNORECASE):
        return "no"
    return "statement"


def forms(lotsen: Lotsen, parser: Parser, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether each reply opens as its question's form needs (``form: yesno`` → Ja/Nej/Bara om …)."""
    items = [i for i in items if i.get("form")]
    parses = parser.parse([i["text"] for i in items])
    fits: Counter = Counter()
    totals: Counter = Counter()
    misses = []
    for item in items:
        plan, _ = lotsen.plan(item["text"], parses[item["text"]])
        verdict = lotsen.verdict_opening(item["text"], plan)
        fit = verdict is None or verdict == (item["form"] == "yesno")
        totals[item["form"]] += 1
        fits[item["form"]] += fit
        if not fit:
            misses.append((item["form"], verdict, item["text"][:70]))
    return {"fits": fits, "totals": totals, "misses": misses}


def conditions(lotsen: Lotsen, parser: Parser, items: list[dict[str, Any]]) -> dict[str, Any]:
    parses = parser.parse([i["text"] for i in items])
    right = wrong_yes = 0
    rows = []
    for item in items:
        plan, _ = lotsen.plan(item["text"], parses[item["text"]])
        expected = str(item["verdict"]).lower().replace("true", "yes").replace("false", "no")
        got = lotsen.verdict_given(item["text"], plan)
        right += got == expected
        wrong_yes += got == "yes" and expected != "yes"
        if got != expected:
            rows.append((expected, got, item["text"][:70]))
    return {"total": len(items), "right": right, "wrong_yes": wrong_yes, "misses": rows}


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f} %" if b else "–"


def report_singles(name: str, tally: Tally, verbose: bool) -> list[str]:
    lines = [f"### {name}", "",
             f"- entry top-1: **{tally.top1}/{tally.total} = {pct(tally.top1, tally.total)}**, "
             f"top-3: {tally.top3}/{tally.total} = {pct(tally.top3, tally.total)}",
             f"- unanswerable asks answered honestly: {tally.honest}/{tally.unanswerable}", ""]
    lines += ["| topic | questions | top-1 | top-3 |", "|---|---|---|---|"]
    for topic, (n, t1, t3) in sorted(tally.by_topic.items()):
        lines.append(f"| {topic} | {n} | {pct(t1, n)} | {pct(t3, n)} |")
    lines += ["", "Most frequent confusions (expected → given):", ""]
    for (want, got), n in tally.confusions.most_common(None if verbose else 12):
        lines.append(f"- {want} → {got}: {n}")
    return lines + [""]


def main() -> None:
    parser_ = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser_.add_argument("--dev", action="store_true", help="the development sets (tests/dev/) instead of held-out")
    parser_.add_argument("--model", type=Path, help="a trained Rasa model (default: Lotsen's, trained if needed)")
    parser_.add_argument("--with-default", action="store_true",
                         help="also score with Rasa's default pipeline's NLU (trained once, as make eval does)")
    parser_.add_argument("--smoke", action="store_true", help="three items of each set (make test keeps it working)")
    parser_.add_argument("--verbose", action="store_true",
                         help="list every miss (never with held-out sets you tune on)")
    parser_.add_argument("--out", type=Path, help="the report (default results/eval/answers.md, -dev.md with --dev)")
    args = parser_.parse_args()
    args.out = args.out or OUT / ("answers-dev.md" if args.dev else "answers.md")
    from evaluation.nlu_eval import lotsen_model

    lotsen = Lotsen.load()
    parser = Parser(args.model or lotsen_model())
    base = DEV if args.dev else HELDOUT
    single_files = [base / "entries.yml"] + ([] if args.dev else [HELDOUT / "questions.yml"])
    limit = 3 if args.smoke else None
    single_items = [i for f in single_files if f.exists() for i in load_items(f)[:limit]]
    lines = [f"# Answers ({'development' if args.dev else 'held-out'} sets, model {parser.model.name})", ""]
    lines += report_singles("Lotsen: entry selection", singles(lotsen, parser, single_items), args.verbose)
    keyword = lambda text, parsed: keyword_entry(lotsen.kb, parsed, text)  # noqa: E731
    lines += report_singles("Today's keyword choice (same NLU)", singles(lotsen, parser, single_items, keyword),
                            False)
    if args.with_default and not args.smoke:
        from evaluation.nlu_eval import train_model

        default_model = train_model(ROOT / "evaluation" / "default_config.yml", "default-nlu")
        lines += report_singles("Rasa default pipeline's NLU + Lotsen's entry selection",
                                singles(lotsen, Parser(default_model), single_items), False)
    wrong, chatter = false_answers(lotsen, parser, single_items)
    lines += [f"- smalltalk and out-of-scope questions answered with a knowledge entry: {wrong}/{chatter}", ""]
    conv_items = [c for f in sorted(base.glob("conversations*.yml")) for c in load_items(f)[:limit]]
    if conv_items:
        c = conversations(lotsen, parser, conv_items)
        lines += ["### Conversations (last message)", "",
                  f"- entry accuracy: **{c['correct']}/{c['answerable']} = {pct(c['correct'], c['answerable'])}**",
                  f"- unanswerable last asks answered honestly: {c['honest']}/{c['unanswerable']}",
                  f"- counterpart of the last reply right: {c['counterpart_ok']}/{c['counterpart_total']}", ""]
        if args.verbose:
            lines += [f"- {m}" for m in c["misses"]] + [""]
    forms_path = base / "forms.yml"
    form_items = load_items(forms_path) if forms_path.exists() else [
        dict(i, form="yesno" if i["ask"] == "yesno" else "other")
        for i in single_items if i.get("ask") and i.get("entries")]  # the development set: by its asks
    if form_items:
        f = forms(lotsen, parser, form_items[:limit])
        total, fit = sum(f["totals"].values()), sum(f["fits"].values())
        lines += ["### Reply form", "", f"- opening fits the question: **{fit}/{total} = {pct(fit, total)}**", ""]
        lines += [f"  - {form}: {f['fits'][form]}/{n}" for form, n in sorted(f["totals"].items())] + [""]
        if args.verbose:
            lines += [f"- {m}" for m in f["misses"]] + [""]
    cond_items = [c for f in sorted(base.glob("conditions*.yml")) for c in load_items(f)[:limit]]
    if cond_items:
        k = conditions(lotsen, parser, cond_items)
        lines += ["### Stated conditions", "",
                  f"- verdict right: **{k['right']}/{k['total']} = {pct(k['right'], k['total'])}**",
                  f"- wrong yes: **{k['wrong_yes']}**", ""]
        if args.verbose:
            lines += [f"- {m}" for m in k["misses"]] + [""]
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    if not args.dev and args.verbose:
        print("note: --verbose on held-out sets is for reading a final run, never for tuning", file=sys.stderr)


if __name__ == "__main__":
    main()
