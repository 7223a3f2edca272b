"""A throw-away PostgreSQL server for tests, from Debian's packages.

Started in a temporary directory on a free port on 127.0.0.1 and removed
afterwards; nothing else on the machine is touched. PostgreSQL refuses to run
as root, so as root the server runs as the ``postgres`` system user.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        subprocess.run(
            [str(ROOT / "scripts" / "ensure_debian_packages.sh"), "postgresql"], check=True
        )
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextlib.contextmanager
def running_postgres(database: str = "lotsen") -> Iterator[str]:
    """Start PostgreSQL, create ``database`` and yield its SQLAlchemy URL."""
    bindir = _bindir()
    workdir = Path(tempfile.mkdtemp(prefix="lotsen-pg-"))
    datadir = workdir / "data"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    port = free_port()
    run = lambda cmd: subprocess.run(_as_postgres(cmd), check=True, capture_output=True)  # noqa: E731
    try:
        run([str(bindir / "initdb"), "-D", str(datadir), "-U", "lotsen", "--auth=trust", "-E", "UTF8"])
        run([
            str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(workdir / "log"), "-w", "start",
            "-o", f"-h 127.0.0.1 -p {port} -k {workdir} -F",
        ])
        run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "lotsen", database])
        yield f"postgresql+psycopg2://lotsen@127.0.0.1:{port}/{database}"
    finally:
        if datadir.exists():
            subprocess.run(
                _as_postgres([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"]),
                capture_output=True,
            )
        shutil.rmtree(workdir, ignore_errors=True)


class PostgresServer:
    """A PostgreSQL server the test can stop and start again (same data, same
    port): the records database going down in the middle of a run."""

    def __init__(self, database: str = "lotsen") -> None:
        self.bindir = _bindir()
        self.workdir = Path(tempfile.mkdtemp(prefix="lotsen-pg-"))
        self.datadir = self.workdir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg2://lotsen@127.0.0.1:{self.port}/{database}"
        self._run([str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "lotsen", "--auth=trust", "-E", "UTF8"])
        self.start()
        self._run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "lotsen", database])

    def _run(self, cmd: list[str]) -> None:
        subprocess.run(_as_postgres(cmd), check=True, capture_output=True)

    def start(self) -> None:
        self._run([
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.workdir / "log"), "-w", "start",
            "-o", f"-h 127.0.0.1 -p {self.port} -k {self.workdir} -F",
        ])

    def stop(self) -> None:
        """Stop at once, as a crash would (connections are cut)."""
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop"])

    def remove(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def stoppable_postgres(database: str = "lotsen") -> Iterator[PostgresServer]:
    """A :class:`PostgresServer`, removed when the block ends."""
    server = PostgresServer(database)
    try:
        yield server
    finally:
        server.remove()
