"""Microsoft 365 Agents Playground, Microsoft's local Teams client, for tests.

The npm package is pinned in teams/playground/package-lock.json and installed
with ``npm ci`` on first use (as the browser helpers install review/'s
packages; ``make teams-playground-node-modules`` does the same). It runs with
telemetry off, on 127.0.0.1 only (teams/playground/loopback.cjs), without
opening a browser, pointed at a Lotsen whose Teams connector runs with
``LOTSEN_TEAMS_AUTH_DISABLED=true`` (docs/teams.md, section 5).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

from tests.support.browser import ensure_node_packages
from tests.support.postgres import free_port
from tests.support.servers import ROOT, started

PROJECT = ROOT / "teams" / "playground"
PACKAGE = "@microsoft/m365agentsplayground"
# Chromium resolves no host name but these: the Playground's page would
# otherwise fetch an animation script from Microsoft's CDN.
LOOPBACK_ONLY_ARGS = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",)


@dataclass
class Playground:
    url: str
    log: Path

    def personal_chat_id(self) -> str:
        """The conversation id of the Playground's personal chat with the bot."""
        response = requests.get(f"{self.url}/_internal/v1/config", timeout=10)
        response.raise_for_status()
        return response.json()["config"]["personalChat"]["id"]


def cli() -> Path:
    """The Playground's command line, installed from the lock file when missing."""
    return ensure_node_packages(PROJECT) / PACKAGE / "cli.js"


@contextlib.contextmanager
def running_playground(endpoint: str, workdir: Path) -> Iterator[Playground]:
    """The Playground on a free port of 127.0.0.1, talking to ``endpoint``
    (a Teams webhook) as channel ``msteams``, until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        TEAMSAPPTESTER_BROWSER="none",  # do not open a browser
        M365_AGENTS_PLAYGROUND_LOGFILE=str(workdir / "playground-debug.log"),
    )
    cmd = [
        "node", "--require", str(PROJECT / "loopback.cjs"), str(cli()),
        "--app-endpoint", endpoint, "--channel-id", "msteams", "--port", str(port),
        "--service-url", f"{url}/_connector", "--disable-telemetry",
    ]
    log = workdir / "playground.log"
    # cwd: the Playground reads an optional config file from there.
    with started(cmd, env, log, f"{url}/", cwd=workdir):
        yield Playground(url, log)
