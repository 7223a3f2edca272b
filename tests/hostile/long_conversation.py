"""Thousands of messages in one conversation over REST, each answered without an error.

``python -m tests.hostile.long_conversation --messages 3000`` (``make
hostile-long``) starts its own Rasa and action server and prints the result
(and what a 100 kB paste costs next to a short question);
tests/hostile/test_long_conversation.py runs the same at CI size. Latency is
reported, never asserted: the time per message of the first and the last
hundred shows whether a long conversation gets slower (docs/reliability.md).
"""
from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from tests.hostile.corpus import messages, unavailable_reply
from tests.support.servers import ROOT, Lotsen, running_lotsen

QUESTIONS = [
    "Får vi teckna ett vänortsavtal med Berlin?",
    "Kan vi ta emot en delegation från Kenya?",
    "nej",
    "Får vi söka EU-medel?",
    "Måste vi ha en internationell kontaktperson?",
    "Tack!",
    "Får vi åka på studieresa till Amsterdam?",
]
WINDOW = 100


@dataclass
class Result:
    messages: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    first_ms_p50: float = 0.0
    last_ms_p50: float = 0.0
    p95_ms: float = 0.0
    seconds: float = 0.0
    paste_100kb_ms_p50: float = 0.0
    short_question_ms_p50: float = 0.0


def conversation(n: int) -> list[str]:
    """``n`` messages: real questions with the short corpus messages in between."""
    short = [m.text for m in messages() if not m.over_limit and m.records]
    mixed = [q for pair in itertools.zip_longest(QUESTIONS * 3, short) for q in pair if q is not None]
    return list(itertools.islice(itertools.cycle(mixed), n))


def turn_error(response: requests.Response) -> str | None:
    """What went wrong with one turn, or None."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    texts = [r.get("text") for r in response.json() if r.get("text")]
    if not texts:
        return "no answer"
    if unavailable_reply() in texts:
        return "an action failed"
    return None


def run(lotsen: Lotsen, n: int, sender: str) -> Result:
    result, timings = Result(), []
    started = time.perf_counter()
    url = f"{lotsen.rasa_url}/webhooks/rest/webhook"
    with requests.Session() as session:
        for text in conversation(n):
            t0 = time.perf_counter()
            try:
                error = turn_error(session.post(url, json={"sender": sender, "message": text}, timeout=60))
            except requests.RequestException as exc:
                error = type(exc).__name__
            timings.append((time.perf_counter() - t0) * 1000)
            result.messages += 1
            if error:
                result.errors += 1
                if len(result.error_examples) < 5:
                    result.error_examples.append(f"message {result.messages}: {error}")
    result.seconds = round(time.perf_counter() - started, 1)
    result.first_ms_p50 = round(statistics.median(timings[:WINDOW]), 1)
    result.last_ms_p50 = round(statistics.median(timings[-WINDOW:]), 1)
    result.p95_ms = round(statistics.quantiles(timings, n=20)[-1], 1) if len(timings) > 1 else timings[0]
    return result


def reply_ms(lotsen: Lotsen, text: str, sender: str, repeats: int = 5) -> float:
    """Median time of a REST answer to ``text``, each time in a new conversation."""
    timings = []
    for i in range(repeats):
        t0 = time.perf_counter()
        lotsen.ask(f"{sender}-{i}", text)
        timings.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(timings), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "hostile" / "long-conversation.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lotsen-long-") as tmp:
        workdir = Path(tmp)
        with running_lotsen(workdir, f"sqlite:///{workdir / 'engagements.db'}") as lotsen:
            result = run(lotsen, args.messages, "hostile-long-conversation")
            paste = next(m.text for m in messages() if m.name == "paste of 100 kB")
            result.paste_100kb_ms_p50 = reply_ms(lotsen, paste, "hostile-paste")
            result.short_question_ms_p50 = reply_ms(lotsen, QUESTIONS[1], "hostile-short")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    print(json.dumps(asdict(result)))
    if result.errors:
        raise SystemExit(f"{result.errors} of {result.messages} messages failed")


if __name__ == "__main__":
    main()
