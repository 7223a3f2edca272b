"""The action server's answering cost per message, in-process, and a dump of what it decides.

Runs what ``ActionAnswer`` does for a typed message (the counterpart of the
message, :func:`actions.selection.plan.plan_reply`, the reply composed) over
the development sets (``tests/dev/*.yml``: single questions, every turn of
the conversations with their context, the stated conditions) and the search's
development set (``tests/search_dev.yml``), with the NLU parses that
``evaluation/answer_eval.py`` caches per model. Never the held-out sets.

    python -m evaluation.action_profile                  # ms per message (median of --repeat passes)
    python -m evaluation.action_profile --profile 25     # and cProfile's top 25 cumulative functions
    python -m evaluation.action_profile --dump a.json    # every decision and score, for equivalence
    python -m evaluation.action_profile --compare a.json b.json
    python -m evaluation.action_profile --action [--records]   # ActionAnswer.run itself, rasa-sdk trackers

The dump holds, per message, the plan (kind, entries, confidence, ranking,
hits), the reply text, the counterpart, and the search's raw scores (entry
similarities, entry and topic probabilities, case-fact readings), floats as
Python writes them: two dumps of equal behaviour are identical, and
``--compare`` reports any difference beyond 1e-9.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from actions.selection.context import Context
from actions.selection.plan import Plan
from evaluation.answer_eval import DEV, Lotsen, Parser, load_items

ROOT = Path(__file__).resolve().parent.parent
SEARCH_DEV = ROOT / "tests" / "search_dev.yml"
TOLERANCE = 1e-9
SEED = 0


@dataclass(frozen=True)
class Message:
    """One message as the action server sees it: its text and the conversation it arrives in."""

    key: str
    text: str
    context_from: tuple[str, ...] = ()  # earlier turns of its conversation, oldest first


def load_lotsen() -> Lotsen:
    """Lotsen's answering side, built reproducibly: scikit-learn's LinearSVC (liblinear) shuffles
    with NumPy's global random state, so two builds differ by about 1e-7 in the classifiers'
    probabilities unless that state is seeded first."""
    import numpy as np

    np.random.seed(SEED)
    return Lotsen.load()


def dev_messages() -> list[Message]:
    """Every development message: single questions, conversation turns, conditions, search paraphrases."""
    messages = [Message(f"entries:{i}", item["text"]) for i, item in enumerate(load_items(DEV / "entries.yml"))]
    for path in sorted(DEV.glob("conditions*.yml")):
        messages += [Message(f"{path.stem}:{i}", item["text"]) for i, item in enumerate(load_items(path))]
    for path in sorted(DEV.glob("conversations*.yml")):
        for conversation in load_items(path):
            turns = list(conversation["turns"])
            messages += [Message(f"{path.stem}:{conversation['id']}:{n}", turn, tuple(turns[:n]))
                         for n, turn in enumerate(turns)]
    messages += [Message(f"search_dev:{i}", item["text"]) for i, item in enumerate(load_items(SEARCH_DEV))]
    return messages


def next_context(plan: Plan, context: Context) -> Context:
    """The conversation's context after ``plan`` was answered (as the action's slots carry it)."""
    sel = plan.selection
    if plan.kind == "answer" and sel is not None:
        return Context(topic=sel.topic, entry_id=sel.entries[0], counterpart=sel.counterpart,
                       reply_entries=sel.entries, yes_no=sel.form.yes_no)
    return context


class Runner:
    """Plays the messages through Lotsen's answering, as the action server does per message."""

    def __init__(self, lotsen: Lotsen, parses: dict[str, dict[str, Any]], messages: list[Message]) -> None:
        self.lotsen = lotsen
        self.parses = parses
        self.messages = messages
        # The context each turn arrives in, from a first pass (the timed passes replay it).
        self.contexts: dict[str, Context] = {}
        for _ in self.plans():
            pass

    def plans(self) -> Iterator[tuple[str, Plan, str]]:
        """(message key, its plan, its reply text), conversations played in order."""
        contexts: dict[tuple[str, ...], Context] = {(): Context()}
        for message in self.messages:
            context = contexts.get(message.context_from, Context())
            self.contexts[message.key] = context
            plan, _ = self.lotsen.plan(message.text, self.parses[message.text], context)
            reply = self.lotsen.reply_text(message.text, plan)
            contexts[message.context_from + (message.text,)] = next_context(plan, context)
            yield message.key, plan, reply

    def run_once(self) -> None:
        """One pass over every message, each in its recorded context (what is timed and profiled)."""
        for message in self.messages:
            plan, _ = self.lotsen.plan(message.text, self.parses[message.text], self.contexts[message.key])
            self.lotsen.reply_text(message.text, plan)


class ActionRunner:
    """Plays the messages through ``ActionAnswer.run`` on rasa-sdk trackers, with the context slots
    the conversation's earlier turns set; records to a SQLite file in a temporary folder, or off."""

    def __init__(self, runner: Runner, records: bool, folder: Path) -> None:
        import asyncio

        from actions.answer_action import ActionAnswer
        from actions.runtime import build_runtime, set_runtime
        from actions.settings import load_settings

        settings = load_settings({
            "LOTSEN_HASH_KEY": "profile-test-key-0123456789abcdef", "LOTSEN_RECORDS": "1" if records else "0",
            "ENGAGEMENT_DB_URL": f"sqlite:///{folder / 'records.db'}", "LOTSEN_OUTBOX_PATH": str(folder / "outbox.db"),
        })
        import numpy as np

        np.random.seed(SEED)
        set_runtime(build_runtime(settings))
        self.runner = runner
        self.action = ActionAnswer()
        self.loop = asyncio.new_event_loop()

    def tracker(self, message: Message, number: int) -> Any:
        from rasa_sdk import Tracker

        parsed = self.runner.parses[message.text]
        context = self.runner.contexts[message.key]
        parse = {"text": message.text, "intent": parsed["intent"], "entities": parsed["entities"],
                 "intent_ranking": parsed["intent_ranking"], "metadata": {}, "message_id": f"m{number}"}
        events = [{"event": "action", "name": "action_listen"},
                  {"event": "user", "text": message.text, "parse_data": parse, "input_channel": "rest",
                   "metadata": {"model_id": "profile"}}]
        slots = {"last_topic": context.topic, "last_entries": list(context.reply_entries),
                 "last_counterpart": context.counterpart, "last_yes_no": context.yes_no}
        return Tracker(f"profile-{number}", slots, parse, events, False, None, {}, "action_listen")

    def run_once(self) -> None:
        from rasa_sdk.executor import CollectingDispatcher

        for number, message in enumerate(self.runner.messages):
            self.loop.run_until_complete(self.action.run(CollectingDispatcher(), self.tracker(message, number), {}))


def describe(lotsen: Lotsen, key: str, text: str, plan: Plan, reply: str) -> dict[str, Any]:
    """Everything a message's answer depends on, as plain JSON."""
    sel = plan.selection
    search = lotsen.selector.search
    return {
        "key": key, "text": text, "kind": plan.kind, "reply": reply,
        "hits": [[h.entry_id, h.topic, h.score] for h in plan.hits],
        "selection": None if sel is None else {
            "entries": list(sel.entries), "topic": sel.topic, "confidence": sel.confidence,
            "nearest": sel.nearest, "from_context": sel.from_context, "unanswered_ask": sel.unanswered_ask,
            "counterpart": sel.counterpart, "ranked": list(sel.ranked), "repeat": sel.repeat,
            "new_counterpart": sel.new_counterpart, "asks": list(sel.form.asks), "yes_no": sel.form.yes_no,
        },
        "search": [[h.entry_id, h.topic, h.score] for h in search.search(text, limit=5)],
        "similarities": search.entry_similarities(text),
        "entry_probabilities": search.entry_probabilities(text),
        "topic_probabilities": search.topic_probabilities(text),
        "facts": {f: lotsen.facts.reading(f, text) for f in sorted(lotsen.facts.cues)},
        "breaks_any": lotsen.facts.breaks_any(text),
        "found_counterpart": getattr(lotsen.gazetteer.find(text), "name", None),
    }


def differences(a: Any, b: Any, where: str = "") -> Iterator[str]:
    """Where two dumps differ (floats beyond TOLERANCE, anything else at all)."""
    if isinstance(a, float) and isinstance(b, (int, float)) or isinstance(b, float) and isinstance(a, int):
        if not math.isclose(a, b, rel_tol=0.0, abs_tol=TOLERANCE):
            yield f"{where}: {a!r} != {b!r}"
    elif isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                yield f"{where}.{k}: only in {'second' if k not in a else 'first'}"
            else:
                yield from differences(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{where}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{where}[{i}]")
    elif a != b:
        yield f"{where}: {a!r} != {b!r}"


def compare(first: Path, second: Path) -> int:
    a = json.loads(first.read_text(encoding="utf-8"))
    b = json.loads(second.read_text(encoding="utf-8"))
    found = list(differences(a, b))
    for line in found[:50]:
        print(line)
    exact = first.read_bytes() == second.read_bytes()
    print(f"{len(a)} vs {len(b)} messages: {len(found)} differences beyond {TOLERANCE} "
          f"({'byte-identical' if exact else 'not byte-identical'})")
    return 1 if found else 0


def main() -> int:
    parser_ = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser_.add_argument("--repeat", type=int, default=3, help="timed passes over all messages (median reported)")
    parser_.add_argument("--profile", type=int, metavar="N", help="also print cProfile's top N cumulative functions")
    parser_.add_argument("--dump", type=Path, help="write every message's decision and scores (JSON)")
    parser_.add_argument("--compare", type=Path, nargs=2, metavar=("A", "B"), help="compare two dumps and exit")
    parser_.add_argument("--action", action="store_true", help="time ActionAnswer.run instead of plan_reply")
    parser_.add_argument("--records", action="store_true", help="with --action: write records (SQLite)")
    parser_.add_argument("--model", type=Path, help="the trained model whose parses are used (default: Lotsen's)")
    args = parser_.parse_args()
    if args.compare:
        return compare(*args.compare)
    from evaluation.nlu_eval import lotsen_model

    started = time.perf_counter()
    lotsen = load_lotsen()
    loaded = time.perf_counter() - started
    messages = dev_messages()
    parses = Parser(args.model or lotsen_model()).parse(sorted({m.text for m in messages}))
    runner = Runner(lotsen, parses, messages)
    if args.dump:
        fresh = load_lotsen()  # its memos empty, as a new action server's
        dump = [describe(fresh, key, m.text, plan, reply)
                for (key, plan, reply), m in zip(Runner(fresh, parses, messages).plans(), messages)]
        args.dump.write_text(json.dumps(dump, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.dump} ({len(dump)} messages)")
    if args.action:
        import tempfile

        folder = tempfile.TemporaryDirectory()
        runner = ActionRunner(runner, args.records, Path(folder.name))  # type: ignore[assignment]
    runner.run_once()  # warm: the analyzer's word caches, as a running server has them
    cpu, thread, wall = [], [], []
    for _ in range(args.repeat):
        c0, t0, w0 = time.process_time(), time.thread_time(), time.perf_counter()
        runner.run_once()
        cpu.append((time.process_time() - c0) * 1000 / len(messages))
        thread.append((time.thread_time() - t0) * 1000 / len(messages))
        wall.append((time.perf_counter() - w0) * 1000 / len(messages))
    print(f"{len(messages)} messages, {args.repeat} passes, start-up {loaded:.2f} s")
    # The main thread's CPU is this code's own; the process's adds any other thread (BLAS, …).
    print(f"ms per message: main thread CPU median {statistics.median(thread):.3f} "
          f"(passes {', '.join(f'{c:.3f}' for c in thread)}), process CPU median {statistics.median(cpu):.3f}, "
          f"wall median {statistics.median(wall):.3f}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        runner.run_once()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
