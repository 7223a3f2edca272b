"""Secrets come from the environment or the untracked .env, are never committed and never logged."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from actions.records import RecordStore, create_engine
from review.config import write_dev_config
from security.secret_scan import scan, scan_text, tracked_files
from tests.support.postgres import free_port
from tests.support.servers import ROOT, Lotsen, running_action_server, started

# Planted secrets, split so that this file itself passes the scan of tracked files.
SECRET_LOOKING = {
    "LOTSEN_HASH_KEY=" + "1597a5b6e54802de083d0f9d959ff28bb47c383fc9aa888bb9da9779d5d5454a": "a secret-looking value",
    'app_password: "' + 'Zq8~wL3kP0vX2nR7tY5s"': "a secret-looking value",
    "ENGAGEMENT_DB_URL=postgresql+psycopg2://lotsen:" + "S3cretPassw0rd@db/lotsen": "a password in a URL",
    "-----BEGIN RSA " + "PRIVATE KEY-----": "a private key",
}
HARMLESS = [
    "app_password: ${TEAMS_APP_PASSWORD}",
    "`postgresql+psycopg2://user:pw@host/db`",
    '"LOTSEN_HASH_KEY": "test-key-0123456789abcdef",',
    "password_hash=entry.get('password_hash') or None,",
    "--enable-api --auth-token <secret>",
]


def test_no_secret_is_committed():
    hits = scan(tracked_files())
    assert not hits, "secrets in tracked files:\n" + "\n".join(map(str, hits))


@pytest.mark.parametrize("line, what", SECRET_LOOKING.items())
def test_the_scan_finds_a_committed_secret(line, what):
    assert [h.what for h in scan_text("some/file.yml", line)] == [what]


@pytest.mark.parametrize("line", HARMLESS)
def test_the_scan_lets_placeholders_and_fake_values_pass(line):
    assert scan_text("some/file.md", line) == []


@pytest.mark.parametrize("path", [".env", "deploy/.env.production", "certs/lotsen.key", "var/review.yml"])
def test_a_tracked_secret_file_is_found(tmp_path, path):
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text("x\n")
    assert [h.what for h in scan([path], root=tmp_path)] == ["a secret file is tracked"]


def test_secret_files_are_git_ignored():
    ignored = subprocess.run(["git", "check-ignore", ".env", "var/review.yml", ".venv-audit/x"], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert ignored == [".env", "var/review.yml", ".venv-audit/x"]


def test_first_start_generates_private_development_secrets_and_says_so(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "dev_env.sh", tmp_path / "scripts" / "dev_env.sh")
    first = subprocess.run(["bash", "scripts/dev_env.sh"], cwd=tmp_path, capture_output=True, text=True, check=True)
    env_file = tmp_path / ".env"
    assert "Generated development secrets in .env (LOTSEN_HASH_KEY)" in first.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    content = env_file.read_text()
    [key] = [line.split("=", 1)[1] for line in content.splitlines() if line.startswith("LOTSEN_HASH_KEY=")]
    assert len(key) == 64 and key not in first.stderr
    again = subprocess.run(["bash", "scripts/dev_env.sh"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert again.stderr == "" and env_file.read_text() == content  # never regenerated


def test_the_review_apps_development_config_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "review.yml"
    write_dev_config(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def lotsen_logs(lotsen: Lotsen) -> str:
    """Everything Rasa and the action server of the session fixture logged (tests/support/servers.py)."""
    workdir = Path(lotsen.db_url.removeprefix("sqlite:///")).parent
    return "".join((workdir / name).read_text(encoding="utf-8", errors="replace")
                   for name in ("rasa.log", "actions.log"))


def test_the_hash_key_and_teams_password_never_appear_in_the_logs(lotsen, fake_teams, records):
    lotsen.ask("secret-log-user", "Får vi teckna ett vänortsavtal med Berlin?")
    before = len(fake_teams.replies)
    activity = fake_teams.activity("Kan vi ta emot en delegation från Peking?", user_id="29:1secret-log-user")
    answered = requests.post(f"{lotsen.rasa_url}/webhooks/msteams/webhook", json=activity,
                             headers=fake_teams.auth_headers(activity), timeout=30)
    assert answered.status_code == 200
    fake_teams.wait_for_replies(before + 1, timeout=30)  # the reply needed a token: the password was used
    assert len(records()) == 2
    logs = lotsen_logs(lotsen)
    assert "Action endpoint is up and running on http://127.0.0.1" in logs  # the real logs were read
    assert lotsen.env["LOTSEN_HASH_KEY"] not in logs
    assert fake_teams.app_password not in logs


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(session: requests.Session, url: str, username: str, password: str) -> int:
    form = session.get(f"{url}/logga-in", timeout=10)
    token = CSRF_FIELD.search(form.text).group(1)
    return session.post(f"{url}/logga-in", data={"username": username, "password": password, "csrf_token": token},
                        allow_redirects=False, timeout=10).status_code


def test_the_review_apps_session_key_and_passwords_never_appear_in_its_log(tmp_path):
    config = tmp_path / "review.yml"
    passwords = write_dev_config(config)
    secret = yaml.safe_load(config.read_text())["session_secret"]
    port = free_port()
    env = {**os.environ, "LOTSEN_REVIEW_CONFIG": str(config),
           "ENGAGEMENT_DB_URL": f"sqlite:///{tmp_path / 'records.db'}"}
    cmd = [sys.executable, "-m", "review.app", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with started(cmd, env, tmp_path / "review.log", f"{url}/healthz"):
        assert sign_in(requests.Session(), url, "admin", passwords["admin"]) == 302
        assert sign_in(requests.Session(), url, "granskare", passwords["admin"]) != 302  # wrong password
    log = (tmp_path / "review.log").read_text(encoding="utf-8", errors="replace")
    assert f"Goin' Fast @ {url}" in log  # the real log was read
    assert secret not in log
    assert not [name for name, password in passwords.items() if password in log]


def test_the_database_password_never_appears_in_the_action_servers_log(postgres_url, tmp_path):
    password = "test-db-Passw0rd-7f3a9c"
    url = postgres_url.replace("://lotsen@", f"://lotsen:{password}@")
    with running_action_server(tmp_path, url) as actions_url:
        answered = requests.post(f"{actions_url}/webhook", json=answer_request(), timeout=30)
        assert answered.status_code == 200, answered.text
    assert len(RecordStore(create_engine(url)).all()) >= 1
    assert password not in (tmp_path / "actions.log").read_text(encoding="utf-8", errors="replace")


def answer_request() -> dict:
    """What Rasa sends the action server to answer one question (Rasa 3.6's action request)."""
    message = {
        "text": "Får vi teckna ett vänortsavtal med Berlin?",
        "intent": {"name": "vanortsavtal", "confidence": 0.95},
        "entities": [],
        "metadata": {},
    }
    return {
        "next_action": "action_answer",
        "sender_id": "db-password-test",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "db-password-test",
            "slots": {},
            "latest_message": message,
            "latest_event_time": 0,
            "followup_action": None,
            "paused": False,
            "events": [{"event": "user", "text": message["text"], "parse_data": message, "input_channel": "rest"}],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }
