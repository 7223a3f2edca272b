"""make bench: speed and cost of Lotsen over its REST channel, side by side
with Rasa's default assistant (`rasa init`) measured in the same run.

Measures one user (sequential) and 20 concurrent users, with record writing
on and off, training time, start-up time to the first answer and resident
memory. Everything runs on 127.0.0.1 and every load is bounded in count and
time. Writes results/bench/report.md and latency plots.
``--smoke`` sends a handful of messages to Lotsen only (make test runs it).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from evaluation.heldout import load_questions
from evaluation.load import LoadResult, run_load, send
from tests.support.servers import BIN, ROOT, free_port, running_lotsen, started, trained_model

OUT = ROOT / "results" / "bench"


@dataclass
class SystemRun:
    name: str
    training_s: Optional[float]
    startup_s: float
    rss_mb: float
    one_user: LoadResult
    many_users: LoadResult
    one_user_no_records: Optional[LoadResult] = None
    growth: Optional[dict[int, float]] = None
    cpu_ms: Optional[dict[str, float]] = None  # CPU time per message under 20 users, per process


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    pids = [pid] + [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == pid]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in (Path("/proc") / str(p) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _ppid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (from /proc)."""
    total = 0.0
    pids = [pid] + [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == pid]
    for p in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (Path("/proc") / str(p) / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def first_answer_after(base_url: str, started_at: float) -> float:
    ms, ok = send(base_url, "startup", "Hej!")
    if not ok:
        raise RuntimeError(f"{base_url} did not answer")
    return time.monotonic() - started_at


def loads(base_url: str, texts: list[str], one: int, users: int, per_user: int, tag: str,
          processes: Optional[dict[str, int]] = None) -> tuple[LoadResult, LoadResult, dict[str, float]]:
    """Warm-up, one user, then ``users`` users; with the CPU milliseconds per message that each
    of ``processes`` (name -> pid) spent during the many-users run."""
    run_load(base_url, texts, 1, 10, f"{tag}-warm")  # warm-up, not counted
    single = run_load(base_url, texts, 1, one, f"{tag}-one")
    before = {name: cpu_seconds(pid) for name, pid in (processes or {}).items()}
    many = run_load(base_url, texts, users, per_user, f"{tag}-many")
    cpu = {name: (cpu_seconds(pid) - before[name]) * 1000 / max(many.messages, 1)
           for name, pid in (processes or {}).items()}
    return single, many, cpu


def time_training(config: Path, workdir: Path, project: Path = ROOT) -> float:
    """A full training from scratch: its own empty Rasa cache, so nothing is reused."""
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(workdir / "rasa-cache")}
    started_at = time.monotonic()
    subprocess.run([str(BIN / "rasa"), "train", "--config", str(config), "--out", str(workdir / "models"),
                    "--fixed-model-name", "timed", "--quiet"], cwd=project, check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started_at


def conversation_growth(base_url: str, texts: list[str],
                        lengths: tuple[int, ...] = (1, 10, 100, 1000)) -> dict[int, float]:
    """Median latency (ms) of 10 messages sent after a conversation already holds ``n`` messages
    (long conversations roll over to a new session: rasa_patches/session_rollover.py)."""
    import statistics

    growth = {}
    for n in lengths:
        sender = f"growth-{n}"
        for i in range(n - 1):
            send(base_url, sender, texts[i % len(texts)])
        growth[n] = statistics.median(send(base_url, sender, texts[i % len(texts)])[0] for i in range(10))
    return growth


def bench_lotsen(texts: list[str], args: argparse.Namespace, workdir: Path) -> SystemRun:
    trained_model()
    training = None if args.smoke or args.skip_training else time_training(ROOT / "config.yml", workdir)
    db = f"sqlite:///{workdir / 'records.db'}"
    t0 = time.monotonic()
    with running_lotsen(workdir, db) as lotsen:
        startup = first_answer_after(lotsen.rasa_url, t0)
        pids = {"Rasa": _listening_pid(lotsen.rasa_url), "action server": _listening_pid(lotsen.actions_url)}
        one, many, cpu = loads(lotsen.rasa_url, texts, args.messages, args.users, args.per_user, "lotsen", pids)
        memory = sum(rss_mb(p) for p in pids.values())
        growth = None if args.smoke else conversation_growth(lotsen.rasa_url, texts)
    no_records = None
    if not args.smoke:
        with running_lotsen(workdir, db, extra_env={"LOTSEN_RECORDS": "false"}) as lotsen:
            no_records, _, _ = loads(lotsen.rasa_url, texts, args.messages, 1, 1, "norec")
    return SystemRun("Lotsen", training, startup, memory, one, many, no_records, growth, cpu)


def _listening_pid(url: str) -> int:
    """The process listening on ``url``'s port (from ``ss``)."""
    port = url.rsplit(":", 1)[1]
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if f":{port} " in line and "pid=" in line:
            return int(line.split("pid=")[1].split(",")[0])
    raise RuntimeError(f"no process listens on {url}")


@contextlib.contextmanager
def default_assistant(workdir: Path) -> Iterator[tuple[Path, float]]:
    """`rasa init`'s assistant, trained; yields its project folder and training time."""
    project = workdir / "rasa-init"
    project.mkdir()
    started_at = time.monotonic()
    subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield project, time.monotonic() - started_at


def bench_default(texts: list[str], args: argparse.Namespace, workdir: Path) -> SystemRun:
    with default_assistant(workdir) as (project, training):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        t0 = time.monotonic()
        cmd = [str(BIN / "rasa"), "run", "--port", str(port), "--model", "models"]
        with started(cmd, env, workdir / "default.log", f"{url}/webhooks/rest/", cwd=project) as proc:
            startup = first_answer_after(url, t0)
            one, many, cpu = loads(url, texts, args.messages, args.users, args.per_user, "default",
                                   {"Rasa": proc.pid})
            memory = rss_mb(proc.pid)
    return SystemRun("Rasa default assistant (rasa init)", training, startup, memory, one, many, cpu_ms=cpu)


def fmt(x: Optional[float], unit: str = "") -> str:
    return "–" if x is None else f"{x:.1f}{unit}"


def report(runs: list[SystemRun]) -> str:
    lotsen, ref = runs[0], runs[1] if len(runs) > 1 else None

    def ratio(a: Optional[float], b: Optional[float]) -> str:
        return f"{a / b:.2f}×" if a and b else "–"

    rows = [
        ("one user p50 (ms)", lambda r: r.one_user.p50),
        ("one user p95 (ms)", lambda r: r.one_user.p95),
        ("20 users p50 (ms)", lambda r: r.many_users.p50),
        ("20 users p95 (ms)", lambda r: r.many_users.p95),
        ("20 users messages/s", lambda r: r.many_users.throughput),
        ("errors", lambda r: float(r.one_user.errors + r.many_users.errors)),
        ("training (s)", lambda r: r.training_s),
        ("start-up to first answer (s)", lambda r: r.startup_s),
        ("resident memory (MB)", lambda r: r.rss_mb),
    ]
    header = "| measure | " + " | ".join(r.name for r in runs) + (" | Lotsen / default |" if ref else " |")
    lines = [header, "|---" * (len(runs) + (2 if ref else 1)) + "|"]
    for label, get in rows:
        cells = [fmt(get(r)) for r in runs]
        lines.append(f"| {label} | " + " | ".join(cells) + (f" | {ratio(get(lotsen), get(ref))} |" if ref else " |"))
    if lotsen.one_user_no_records:
        on, off = lotsen.one_user, lotsen.one_user_no_records
        lines += ["", f"Record writing: one user p50 {on.p50:.1f} ms with records, {off.p50:.1f} ms without "
                      f"(cost {on.p50 - off.p50:+.1f} ms); p95 {on.p95:.1f} vs {off.p95:.1f} ms."]
    if lotsen.growth:
        lines += ["", "Latency after a conversation already holds n messages (median of 10, ms): "
                  + ", ".join(f"n={n}: {ms:.0f}" for n, ms in lotsen.growth.items()) + "."]
    for r in runs:
        if r.cpu_ms:
            lines += ["", f"CPU per message under {r.many_users.users} users, {r.name}: "
                      + ", ".join(f"{name} {ms:.1f} ms" for name, ms in r.cpu_ms.items()) + "."]
    lines += ["", f"Messages: one user {lotsen.one_user.messages}, 20 users {lotsen.many_users.messages} "
                  "(held-out questions, conversations of 10 messages, new HTTP connection per message, "
                  "Python http.client)."]
    return "\n".join(lines)


def plot(runs: list[SystemRun], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, attr, title in ((axes[0], "one_user", "one user"), (axes[1], "many_users", "20 concurrent users")):
        for r in runs:
            ax.hist(getattr(r, attr).latencies_ms, bins=40, alpha=0.6, label=r.name)
        ax.set_title(f"Latency per message, {title}")
        ax.set_xlabel("ms")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--skip-training", action="store_true", help="do not time a full training run")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--per-user", type=int, default=20)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.smoke:
        args.messages, args.users, args.per_user = 5, 2, 3
    texts = [q.text for q in load_questions()]
    with tempfile.TemporaryDirectory(prefix="lotsen-bench-") as tmp:
        workdir = Path(tmp)
        runs = [bench_lotsen(texts, args, workdir)]
        if not args.smoke:
            runs.append(bench_default(texts, args, workdir))
    args.out.mkdir(parents=True, exist_ok=True)
    text = report(runs)
    plot(runs, args.out)
    (args.out / "report.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    if any(r.one_user.errors or r.many_users.errors for r in runs):
        sys.exit("errors during the benchmark")


if __name__ == "__main__":
    main()
