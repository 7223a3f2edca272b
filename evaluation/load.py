"""A bounded load generator for Rasa's REST channel (127.0.0.1 only).

Client: Python's http.client with a new connection per message; it sends
headers and body in one write, so no delayed-ACK stall is added (an aiohttp
client that writes them separately adds about 40 ms per request).
"""
from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import urlparse

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


def send(base_url: str, sender: str, text: str) -> tuple[float, bool]:
    """One message; returns (milliseconds, ok)."""
    url = urlparse(base_url)
    if url.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("load is only ever sent to this machine")
    body = json.dumps({"sender": sender, "message": text}).encode()
    started = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("POST", "/webhooks/rest/webhook", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        ok = response.status == 200 and isinstance(json.loads(payload), list)
    except (OSError, ValueError):
        ok = False
    finally:
        conn.close()
    return (time.perf_counter() - started) * 1000, ok


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
