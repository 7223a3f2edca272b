"""Measure the knowledge search: right topic first on the development set
(tests/search_dev.yml) and, with --heldout, on tests/heldout/search.yml.

    .venv/bin/python scripts/search_eval.py [--heldout] [--verbose]

--verbose lists the development questions ranked wrong (never the held-out
ones: that set is only scored, not inspected).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.knowledge import load_knowledge  # noqa: E402
from actions.search import KnowledgeSearch, load_examples  # noqa: E402

DEV_PATH = ROOT / "tests" / "search_dev.yml"
HELDOUT_PATH = ROOT / "tests" / "heldout" / "search.yml"


def load_questions(path: Path) -> list[dict]:
    """A question set: a YAML list of {text, topic}."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def accuracy(search: KnowledgeSearch, questions: list[dict]) -> tuple[int, list[tuple[dict, list]]]:
    """How many questions get the right topic first, and the wrong ones with their hits."""
    wrong = []
    for q in questions:
        hits = search.search(q["text"], limit=3)
        if not hits or hits[0].topic != q["topic"]:
            wrong.append((q, hits))
    return len(questions) - len(wrong), wrong


def cross_validation(kb, folds: int = 5) -> tuple[int, int]:
    """Right topic first over ``folds``-fold cross-validation on the topic examples of data/nlu.yml."""
    examples = load_examples()
    right = total = 0
    for fold in range(folds):
        train = {intent: [q for i, q in enumerate(qs) if i % folds != fold] for intent, qs in examples.items()}
        search = KnowledgeSearch.build(kb, examples=train)
        test = [{"text": q, "topic": intent} for intent, qs in examples.items() if intent in kb.by_topic
                for i, q in enumerate(qs) if i % folds == fold]
        ok, _ = accuracy(search, test)
        right, total = right + ok, total + len(test)
    return right, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", action="store_true", help="also score the held-out set (rate only)")
    parser.add_argument("--verbose", action="store_true", help="list the development questions ranked wrong")
    parser.add_argument("--kb-only", action="store_true", help="search the knowledge base without NLU examples")
    parser.add_argument("--cv", action="store_true", help="also 5-fold cross-validation over data/nlu.yml")
    args = parser.parse_args()
    kb = load_knowledge(ROOT / "knowledge")
    started = time.perf_counter()
    search = KnowledgeSearch.build(kb, examples={} if args.kb_only else None)
    first_build = time.perf_counter() - started
    started = time.perf_counter()
    KnowledgeSearch.build(kb, examples={} if args.kb_only else None)
    build = time.perf_counter() - started
    dev = load_questions(DEV_PATH)
    started = time.perf_counter()
    right, wrong = accuracy(search, dev)
    per_question = (time.perf_counter() - started) / len(dev)
    print(f"dev: {right}/{len(dev)} = {right / len(dev):.1%}")
    print(f"time: first build {first_build:.2f} s (loads the lemma table), build {build:.2f} s, "
          f"search {per_question * 1000:.1f} ms per question")
    if args.verbose:
        for q, hits in wrong:
            ranked = ", ".join(f"{h.entry_id} {h.score:.2f}" for h in hits)
            print(f"  [{q['topic']}] {q['text']}\n      -> {ranked}")
    if args.cv:
        right, total = cross_validation(kb)
        print(f"nlu 5-fold: {right}/{total} = {right / total:.1%}")
    if args.heldout:
        heldout = load_questions(HELDOUT_PATH)
        right, _ = accuracy(search, heldout)
        print(f"held-out: {right}/{len(heldout)} = {right / len(heldout):.1%}")


if __name__ == "__main__":
    main()
