"""Lotsen's production topology on 127.0.0.1 (make test-scale, docs/deployment.md).

PostgreSQL (records and tracker store), Redis (lock store), two action
servers and two Rasa servers, with nginx in front: round-robin for REST,
sticky for socket.io, round-robin from Rasa to the action servers. Every
process runs from one temporary directory and is stopped when the block ends.
PostgreSQL, Redis and nginx come from Debian's packages, installed when missing.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

from actions.records import create_engine, migrate
from deploy.nginx_conf import lotsen_conf, render
from tests.support.postgres import free_port, running_postgres
from tests.support.servers import RASA_RUN, ROOT, _start, lotsen_env, stop, trained_model, wait_until

NGINX_DIR = ROOT / "deploy" / "nginx"
DEBIAN_PACKAGES = ("nginx", "redis-server")


@dataclass
class Topology:
    url: str  # nginx, what officials' clients reach
    db_url: str  # records
    tracker_url: str
    hash_key: str
    nginx_logs: Path
    rasa_addresses: list[str]
    action_addresses: list[str]


def create_database(url: str, name: str) -> str:
    """Create database ``name`` on the server of ``url``; return its URL."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


def ensure_packages() -> None:
    subprocess.run([str(ROOT / "scripts" / "ensure_debian_packages.sh"), *DEBIAN_PACKAGES], check=True)


@contextlib.contextmanager
def processes(specs: list[tuple[list[str], dict[str, str], Path, str]], timeout: float = 300) -> Iterator[None]:
    """Start every (cmd, env, log, ready_url) at once, wait until all answer, stop them at the end."""
    started = []
    try:
        for cmd, env, log, _ in specs:
            started.append(_start(cmd, env, log))
        for process, (_, _, log, ready_url) in zip(started, specs):
            wait_until(ready_url, process, log, timeout)
        yield
    finally:
        for process in started:
            process.terminate()  # all at once, then wait for each
        for process in started:
            stop(process)


@contextlib.contextmanager
def running_redis(workdir: Path) -> Iterator[str]:
    """redis-server on a free 127.0.0.1 port, no persistence; yields its lock-store URL."""
    port = free_port()
    log = workdir / "redis.log"
    cmd = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir),
           "--save", "", "--appendonly", "no", "--protected-mode", "yes"]
    process = _start(cmd, dict(os.environ), log)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() != "PONG":
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"redis://127.0.0.1:{port}/1"
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextlib.contextmanager
def running_nginx(workdir: Path, listen: int, actions_listen: int, rasa: list[str], actions: list[str]) -> Iterator[Path]:
    """nginx from deploy/nginx/ in ``workdir``; yields its log directory."""
    prefix = workdir / "nginx"
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True)
    (prefix / "lotsen.conf").write_text(lotsen_conf(
        f"127.0.0.1:{listen}", f"127.0.0.1:{actions_listen}", rasa, actions, str(prefix), replica_header=True))
    conf = prefix / "nginx.conf"
    conf.write_text(render(NGINX_DIR / "nginx-local.conf.template", {
        "PREFIX": str(prefix), "USER": "user root;" if os.geteuid() == 0 else "",
    }))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run([nginx, "-t", "-q", "-p", str(prefix), "-c", str(conf)], check=True)
    process = _start([nginx, "-p", str(prefix), "-c", str(conf)], dict(os.environ), prefix / "stdout.log")
    try:
        wait_until(f"http://127.0.0.1:{actions_listen}/health", process, prefix / "error.log")
        yield prefix
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextlib.contextmanager
def running_topology(rasa_replicas: int = 2, action_replicas: int = 2) -> Iterator[Topology]:
    """The whole topology, in a temporary directory removed afterwards."""
    ensure_packages()
    model = trained_model()
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lotsen-scale-")))
        db_url = stack.enter_context(running_postgres())
        tracker_url = create_database(db_url, "lotsen_tracker")
        engine = create_engine(db_url)
        migrate(engine)  # once, before the action servers start (as scripts/run.sh does)
        engine.dispose()
        redis_url = stack.enter_context(running_redis(workdir))
        listen, actions_listen = free_port(), free_port()
        action_ports = [free_port() for _ in range(action_replicas)]
        rasa_ports = [free_port() for _ in range(rasa_replicas)]
        stores = {"LOTSEN_TRACKER_URL": tracker_url, "LOTSEN_REDIS_URL": redis_url}
        env = lotsen_env(db_url, actions_listen, stores)
        stack.enter_context(processes([
            ([sys.executable, "-m", "actions.serve", "--port", str(port)],
             {**env, "LOTSEN_OUTBOX_PATH": str(workdir / f"outbox-{n}.db")},
             workdir / f"actions-{n}.log", f"http://127.0.0.1:{port}/health")
            for n, port in enumerate(action_ports)]))
        logs = stack.enter_context(running_nginx(
            workdir, listen, actions_listen,
            [f"127.0.0.1:{p}" for p in rasa_ports], [f"127.0.0.1:{p}" for p in action_ports]))
        stack.enter_context(processes([
            ([*RASA_RUN, "--model", str(model), "-i", "127.0.0.1", "--port", str(port),
              "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
             env, workdir / f"rasa-{n}.log", f"http://127.0.0.1:{port}/webhooks/rest/")
            for n, port in enumerate(rasa_ports)]))
        yield Topology(f"http://127.0.0.1:{listen}", db_url, tracker_url, env["LOTSEN_HASH_KEY"], logs,
                       [f"127.0.0.1:{p}" for p in rasa_ports], [f"127.0.0.1:{p}" for p in action_ports])


@dataclass
class Routing:
    """Who served what, from nginx's access logs."""
    rest_by_replica: dict[str, int]
    socketio_sessions_by_replica: dict[str, int]
    sessions_on_two_replicas: list[str]  # engine.io sessions whose requests reached more than one replica
    actions_by_replica: dict[str, int]
    server_errors: int  # 5xx answers


LOG_LINE = re.compile(r'^(?P<upstream>.+?) "(?P<method>\S+) (?P<uri>\S+)" sid=(?P<sid>\S*) status=(?P<status>\d+)$')


def read_routing(logs: Path) -> Routing:
    rest: dict[str, int] = {}
    sessions: dict[str, set[str]] = {}
    actions: dict[str, int] = {}
    errors = 0
    for name, target in (("access.log", None), ("actions.log", actions)):
        for line in (logs / name).read_text(encoding="utf-8").splitlines():
            match = LOG_LINE.match(line)
            if not match:
                raise ValueError(f"unexpected nginx log line: {line!r}")
            upstream, uri, sid = match["upstream"], match["uri"], match["sid"]
            errors += match["status"].startswith("5")
            if target is not None:
                if uri == "/webhook":
                    target[upstream] = target.get(upstream, 0) + 1
            elif uri.startswith("/socket.io/") and sid not in ("", "-"):  # nginx logs "-" for none
                sessions.setdefault(sid, set()).add(upstream)
            elif uri == "/webhooks/rest/webhook":
                rest[upstream] = rest.get(upstream, 0) + 1
    by_replica: dict[str, int] = {}
    for upstreams in sessions.values():
        for upstream in upstreams:
            by_replica[upstream] = by_replica.get(upstream, 0) + 1
    split = sorted(sid for sid, upstreams in sessions.items() if len(upstreams) > 1)
    return Routing(rest, by_replica, split, actions, errors)
