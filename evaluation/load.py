"""A bounded load generator for Rasa's REST channel (127.0.0.1 only).

Client: Python's http.client with a new connection per message; it sends
headers and body in one write, so no delayed-ACK stall is added (an aiohttp
client that writes them separately adds about 40 ms per request).

Two kinds of load: ``run_load`` (make bench) cycles through texts;
``run_conversations`` (make load, docs/reliability.md) plays real multi-turn
conversations (questions, "och om det är Oslo i stället?" follow-ups, "Nej"
to the assessment offer) and logs every turn, so that the records can be
checked afterwards (evaluation/load_records.py). The socket.io side is in
evaluation/load_socketio.py.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Iterator, NamedTuple, Optional, Sequence
from urllib.parse import urlparse

import yaml

from deploy.nginx_conf import REPLICA_HEADER  # added by nginx in make test-scale only
from evaluation.heldout import Question, load_questions

MAX_SECONDS = 300  # every run stops by itself
# A simulated official asks this many questions, then a new conversation
# starts (real conversations are short; see docs/performance.md for how
# latency grows in very long ones).
CONVERSATION_LENGTH = 10


@dataclass
class LoadResult:
    users: int
    messages: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p95(self) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def local_address(base_url: str) -> tuple[str, int]:
    """(host, port) of ``base_url``; refuses anything but this machine."""
    url = urlparse(base_url)
    if url.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("load is only ever sent to this machine")
    return url.hostname, url.port or 80


class Reply(NamedTuple):
    ms: float
    messages: Optional[list[dict]]  # None on any error
    replica: Optional[str] = None  # the Rasa replica behind nginx (make test-scale's X-Lotsen-Replica)


def post_message(base_url: str, sender: str, text: str, metadata: Optional[dict] = None) -> Reply:
    """One REST message and Lotsen's reply."""
    host, port = local_address(base_url)
    payload: dict = {"sender": sender, "message": text}
    if metadata:
        payload["metadata"] = metadata
    body = json.dumps(payload).encode()
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    replica = None
    try:
        conn.request("POST", "/webhooks/rest/webhook", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        replica = response.getheader(REPLICA_HEADER)
        answer = json.loads(response.read())
        messages = answer if response.status == 200 and isinstance(answer, list) else None
    except (OSError, ValueError):
        messages = None
    finally:
        conn.close()
    return Reply((time.perf_counter() - started) * 1000, messages, replica)


def send(base_url: str, sender: str, text: str) -> tuple[float, bool]:
    """One message; returns (milliseconds, ok)."""
    reply = post_message(base_url, sender, text)
    return reply.ms, reply.messages is not None


def run_load(
    base_url: str, texts: Sequence[str], users: int, per_user: int, tag: str = "bench",
    conversation_length: int = CONVERSATION_LENGTH,
) -> LoadResult:
    """``users`` threads each send ``per_user`` messages (cycling through ``texts``), bounded in time,
    in conversations of ``conversation_length`` messages."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + MAX_SECONDS

    def user(index: int) -> None:
        for i in range(per_user):
            if time.monotonic() > deadline:
                return
            sender = f"{tag}-{index}-{i // conversation_length}"
            ms, ok = send(base_url, sender, texts[(index * per_user + i) % len(texts)])
            with lock:
                if ok:
                    latencies.append(ms)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return LoadResult(users, len(latencies), errors[0], elapsed, latencies)


# --- Conversations (make load): real multi-turn dialogues whose records can be counted ---

FOLLOWUP_CITIES = ("Oslo", "Helsingfors", "Köpenhamn", "Tallinn")
FOLLOWUP_TEXT = "och om det är {city} i stället?"
DECLINE_PAYLOAD = "/deny"  # the "Nej" button under "Vill du att vi går igenom ert fall?"
# Sent as metadata, as the widget does, so Lotsen does not ask for it.
DEPARTMENT = {"department": "Kulturförvaltningen"}
DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"


@dataclass
class TurnLog:
    text: str
    new_records: int  # engagement records this turn must add (docs/records.md): 1 for a question, else 0
    ms: float
    ok: bool
    followup_city: Optional[str] = None  # set on "och om det är X i stället?"
    replica: Optional[str] = None


@dataclass
class ConversationLog:
    sender: str
    channel: str
    turns: list[TurnLog] = field(default_factory=list)

    @property
    def expected_records(self) -> int:
        return sum(t.new_records for t in self.turns)


@dataclass
class ConversationRun:
    conversations: list[ConversationLog]
    seconds: float
    failures: list[BaseException] = field(default_factory=list)  # connections that could not be opened

    def as_load_result(self, users: int) -> LoadResult:
        turns = [t for c in self.conversations for t in c.turns]
        return LoadResult(users, sum(t.ok for t in turns), sum(not t.ok for t in turns), self.seconds,
                          [t.ms for t in turns if t.ok])


def apology_texts(domain: Path = DOMAIN) -> frozenset[str]:
    """Texts that mean Lotsen could not answer (an action failed): an error for the load test."""
    responses = yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]
    return frozenset(r["text"] for r in responses.get("utter_action_unavailable", []))


def is_answer(messages: Optional[list[dict]], apologies: frozenset[str]) -> bool:
    """A real reply: at least one message, none of them the apology for a failed action."""
    return bool(messages) and not any(m.get("text") in apologies for m in messages or [])


def offers_assessment(messages: Optional[list[dict]]) -> bool:
    """The reply ends with the assessment offer (REST "buttons", socket.io "quick_replies")."""
    return any(b.get("payload") == DECLINE_PAYLOAD
               for m in messages or [] for b in (m.get("buttons") or m.get("quick_replies") or []))


class ConversationScript:
    """What a simulated official says next: questions from ``questions``, a
    follow-up with another city after a question that named a counterpart,
    and (with ``decline_offers``) "Nej" whenever Lotsen offers the guided
    assessment. Without it, the next question simply follows the offer."""

    def __init__(self, questions: Sequence[Question], start: int, decline_offers: bool = True) -> None:
        self.questions = questions
        self.position = start
        self.decline_offers = decline_offers
        self.pending_followup: Optional[str] = None

    def new_conversation(self) -> None:
        """A follow-up belongs to its conversation: none is carried into the next."""
        self.pending_followup = None

    def next_turn(self, last_reply: Optional[list[dict]]) -> tuple[str, int, Optional[str]]:
        """(text, records it must add, follow-up city)."""
        if self.decline_offers and offers_assessment(last_reply):
            return DECLINE_PAYLOAD, 0, None
        if self.pending_followup:
            city, self.pending_followup = self.pending_followup, None
            return FOLLOWUP_TEXT.format(city=city), 1, city
        question = self.questions[self.position % len(self.questions)]
        self.position += 1
        if question.counterpart and question.topic != "out_of_scope":
            self.pending_followup = next(c for c in FOLLOWUP_CITIES if c != question.counterpart)
        return question.text, 1, None


def load_questions_for_conversations() -> list[Question]:
    """The held-out questions an official would ask (smalltalk left out: "tack" is not a question)."""
    return [q for q in load_questions() if q.topic != "smalltalk"]


Say = Callable[[str, str], Reply]


def play_conversation(say: Say, sender: str, channel: str, script: ConversationScript, length: int,
                      deadline: float, apologies: frozenset[str]) -> ConversationLog:
    """Play ``length`` turns of one conversation through ``say(sender, text)``."""
    log = ConversationLog(sender, channel)
    reply: Optional[list[dict]] = None
    script.new_conversation()
    for _ in range(length):
        if time.monotonic() > deadline:
            break
        text, new_records, city = script.next_turn(reply)
        answer = say(sender, text)
        reply = answer.messages
        log.turns.append(TurnLog(text, new_records, answer.ms, is_answer(reply, apologies), city, answer.replica))
    return log


def plan(users: int, per_user: int, conversation_length: int) -> list[list[int]]:
    """Per user, the lengths of its conversations (``per_user`` messages in all)."""
    lengths = [conversation_length] * (per_user // conversation_length)
    if per_user % conversation_length:
        lengths.append(per_user % conversation_length)
    return [lengths for _ in range(users)]


OpenChannel = Callable[[str], ContextManager[Say]]


@contextlib.contextmanager
def rest_channel(base_url: str, sender: str) -> Iterator[Say]:
    """``say`` over REST for one conversation (a new HTTP connection per message)."""
    yield lambda sender, text: post_message(base_url, sender, text, DEPARTMENT)


def run_conversations(
    open_channel: OpenChannel, channel: str, users: int, per_user: int, tag: str, decline_offers: bool = True,
    questions: Optional[Sequence[Question]] = None, conversation_length: int = CONVERSATION_LENGTH,
) -> ConversationRun:
    """``users`` concurrent officials, ``per_user`` messages each, bounded in time.

    ``open_channel(sender)`` gives the ``say`` of one conversation
    (``functools.partial(rest_channel, url)`` or ``evaluation.load_socketio.socketio_channel``);
    ``decline_offers`` needs a channel whose reply is known to be complete (REST)."""
    questions = questions or load_questions_for_conversations()
    apologies = apology_texts()
    deadline = time.monotonic() + MAX_SECONDS
    logs: list[ConversationLog] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def user(index: int, lengths: list[int]) -> None:
        script = ConversationScript(questions, index * per_user, decline_offers)
        for number, length in enumerate(lengths):
            sender = f"{tag}-{channel}-{index}-{number}"
            try:
                with open_channel(sender) as say:
                    log = play_conversation(say, sender, channel, script, length, deadline, apologies)
            except Exception as error:  # a connection that cannot be opened is an error, not a crash
                log = ConversationLog(sender, channel, [TurnLog(f"<connect: {error!r}>", 0, 0.0, False)])
                with lock:
                    failures.append(error)
            with lock:
                logs.append(log)

    threads = [threading.Thread(target=user, args=(n, lengths))
               for n, lengths in enumerate(plan(users, per_user, conversation_length))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ConversationRun(logs, time.perf_counter() - started, failures)
