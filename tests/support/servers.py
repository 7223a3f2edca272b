"""Start Lotsen's real servers (action server and Rasa) for end-to-end tests."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import requests

from stores.endpoint_env import with_store_defaults
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# How every Rasa server of Lotsen starts: Rasa's command line after rasa_patches.apply_all().
RASA_RUN = [sys.executable, "-m", "rasa_patches", "run"]
START_TIMEOUT = 180


def trained_model() -> Path:
    """The current model, trained first if its inputs changed (shared by all tests)."""
    env_model = os.environ.get("LOTSEN_MODEL")
    if env_model:
        return ROOT / env_model
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_if_changed.py")],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return ROOT / out.stdout.strip().splitlines()[-1]


def wait_until(url: str, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s:\n{log.read_text()[-4000:]}")


@dataclass
class Lotsen:
    rasa_url: str
    actions_url: str
    db_url: str
    env: dict[str, str]

    def ask(self, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        payload: dict = {"sender": sender, "message": message}
        if metadata:
            payload["metadata"] = metadata
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=payload, timeout=30)
        response.raise_for_status()
        return response.json()


def _start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)


def lotsen_env(db_url: str, action_port: int, extra_env: Optional[dict[str, str]] = None) -> dict[str, str]:
    return {
        **with_store_defaults(os.environ),
        "LOTSEN_HASH_KEY": "test-key-0123456789abcdef",
        "ENGAGEMENT_DB_URL": db_url,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",  # no crash reports to Rasa's Sentry: tests stay on 127.0.0.1
        "TEAMS_APP_ID": "", "TEAMS_APP_PASSWORD": "", "TEAMS_TENANT_ID": "",
        **(extra_env or {}),
    }


@contextlib.contextmanager
def started(
    cmd: list[str], env: dict[str, str], log: Path, ready_url: str, cwd: Path = ROOT
) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` (in ``cwd``) until the block ends, once ``ready_url`` answers."""
    process = _start(cmd, env, log, cwd)
    try:
        wait_until(ready_url, process, log)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate ``process``; kill it if it has not ended after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_action_server(workdir: Path, db_url: str, extra_env: Optional[dict[str, str]] = None) -> Iterator[str]:
    """The action server on a free port; yields its base URL."""
    port = free_port()
    env = lotsen_env(db_url, port, extra_env)
    cmd = [sys.executable, "-m", "actions.serve", "--port", str(port)]  # 127.0.0.1 unless LOTSEN_ACTIONS_HOST
    url = f"http://127.0.0.1:{port}"
    with started(cmd, env, workdir / "actions.log", f"{url}/health"):
        yield url


@contextlib.contextmanager
def running_lotsen(
    workdir: Path, db_url: str, extra_env: Optional[dict[str, str]] = None, credentials: Optional[Path] = None,
) -> Iterator[Lotsen]:
    """Run the action server and Rasa on free ports until the block ends.

    ``credentials`` replaces the project's credentials.yml (e.g. to point the
    Teams channel at fake Bot Framework services)."""
    model = trained_model()
    extra_env = {"LOTSEN_TRACKER_URL": f"sqlite:///{workdir / 'tracker.db'}", **(extra_env or {})}
    with running_action_server(workdir, db_url, extra_env) as actions_url:
        env = lotsen_env(db_url, int(actions_url.rsplit(":", 1)[1]), extra_env)
        port = free_port()
        cmd = [*RASA_RUN, "--model", str(model), "--port", str(port),
               "--credentials", str(credentials or ROOT / "credentials.yml"), "--endpoints", "endpoints.yml"]
        url = f"http://127.0.0.1:{port}"
        with started(cmd, env, workdir / "rasa.log", f"{url}/webhooks/rest/"):
            yield Lotsen(url, actions_url, db_url, env)
