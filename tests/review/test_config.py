"""Configuration: refused when unsafe, dev file written with hashed passwords."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from review.auth import LoginThrottle, SessionCodec, client_address, sso_user, verify_password
from review.config import ConfigError, load_config, parse_config, write_dev_config

SECRET = "x" * 40
USERS = {"anna": {"role": "admin", "password_hash": "$argon2id$placeholder"}}


@pytest.mark.parametrize("data, message", [
    ({"session_secret": "short", "users": USERS}, "session_secret"),
    ({"session_secret": SECRET}, "nobody could sign in"),
    ({"session_secret": SECRET, "users": {"anna": {"role": "owner"}}}, "role"),
    ({"session_secret": SECRET, "users": USERS, "sso": {"header": "X-Remote-User"}}, "trusted_proxies"),
    ({"session_secret": SECRET, "users": USERS, "sso": {"header": "X", "trusted_proxies": ["nonsense"]}},
     "trusted_proxies"),
    ({"session_secret": SECRET, "users": USERS, "retention": {"question_days": 0}}, "retention"),
])
def test_unusable_configuration_is_refused(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(data, env={})


def test_environment_overrides_secret_and_database() -> None:
    config = parse_config(
        {"users": USERS}, env={"LOTSEN_REVIEW_SECRET": SECRET, "ENGAGEMENT_DB_URL": "sqlite:////tmp/x.db"}
    )
    assert config.session_secret == SECRET and config.database_url == "sqlite:////tmp/x.db"
    assert (config.question_retention_days, config.audit_retention_days, config.small_group) == (90, 365, 5)


def test_dev_config_has_a_secret_and_hashed_passwords(tmp_path: Path) -> None:
    path = tmp_path / "review.yml"
    passwords = write_dev_config(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_text()
    assert all(pw not in raw for pw in passwords.values())
    config = load_config(path, env={})
    assert config.users["admin"].is_admin and not config.users["granskare"].is_admin
    assert verify_password(config.users["admin"], passwords["admin"])
    assert not verify_password(config.users["admin"], passwords["granskare"])
    assert not verify_password(None, "anything")
    assert len(yaml.safe_load(raw)["session_secret"]) >= 48


def test_session_cookies_expire_and_csrf_tokens_are_bound_to_the_session() -> None:
    codec = SessionCodec(SECRET, max_age_seconds=60)
    session = codec.new(user="anna")
    cookie = codec.encode(session)
    assert codec.decode(cookie) == session
    assert codec.decode(cookie, now=session.issued + 61) is None
    assert SessionCodec("y" * 40, 60).decode(cookie) is None
    other = codec.new()
    assert codec.csrf_valid(session, codec.csrf_token(session))
    assert not codec.csrf_valid(session, codec.csrf_token(other))
    assert not codec.csrf_valid(None, codec.csrf_token(session))


def test_throttle_window_slides() -> None:
    throttle = LoginThrottle(limit=2, window_seconds=10)
    throttle.failed("10.0.0.1", "anna", now=100)
    throttle.failed("10.0.0.1", "anna", now=101)
    assert throttle.blocked("10.0.0.1", "ANNA", now=102)  # this name from this address
    assert not throttle.blocked("10.0.0.1", "anna", now=112)


def test_a_user_name_is_never_locked_out_from_other_addresses() -> None:
    """Issue 15: anyone who knows a name could lock its owner out; now only the guesser's own pair is."""
    throttle = LoginThrottle(limit=3, window_seconds=60)
    for n in range(10):
        throttle.failed("203.0.113.9", "anna", now=100 + n)
    assert throttle.blocked("203.0.113.9", "anna", now=111)
    assert not throttle.blocked("198.51.100.4", "anna", now=111)  # anna at her own desk
    assert not throttle.blocked("203.0.113.10", "vera", now=111)  # everyone else behind the same nginx


def test_one_address_guessing_many_names_is_locked_out() -> None:
    throttle = LoginThrottle(limit=3, window_seconds=60, address_limit=5)
    for n, name in enumerate(["anna", "vera", "olle", "kim", "lars"]):
        throttle.failed("203.0.113.9", name, now=100 + n)
    assert throttle.blocked("203.0.113.9", "someone", now=106)
    assert not throttle.blocked("203.0.113.10", "someone", now=106)


def test_a_name_guessed_from_many_addresses_is_slowed_with_growing_delays() -> None:
    throttle = LoginThrottle(limit=2, window_seconds=60, max_delay_seconds=8)
    delays = []
    for n in range(8):
        delays.append(throttle.delay("anna", now=100 + n))
        throttle.failed(f"203.0.113.{n}", "anna", now=100 + n)
    assert delays == [0, 0, 1, 2, 4, 8, 8, 8]
    assert not any(throttle.blocked(f"203.0.113.{n}", "anna", now=110) for n in range(8))
    throttle.succeeded("198.51.100.4", "anna")
    assert throttle.delay("anna", now=111) == 0


def test_the_throttle_forgets_what_has_left_the_window() -> None:
    throttle = LoginThrottle(limit=2, window_seconds=10)
    for n in range(100):
        throttle.failed(f"203.0.113.{n}", f"name{n}", now=100)
    for n in range(100):
        throttle.blocked(f"203.0.113.{n}", f"name{n}", now=200)
        throttle.delay(f"name{n}", now=200)
    assert len(throttle._failures) == 0


PROXY_CONFIG = {"session_secret": SECRET, "users": USERS, "trusted_proxies": ["127.0.0.1", "10.1.0.0/16"]}


@pytest.mark.parametrize("peer, headers, expected", [
    ("198.51.100.7", {"x-forwarded-for": "203.0.113.5"}, "198.51.100.7"),  # not a proxy: header ignored
    ("127.0.0.1", {"x-forwarded-for": "203.0.113.5"}, "203.0.113.5"),
    ("127.0.0.1", {"x-forwarded-for": "1.2.3.4, 203.0.113.5"}, "203.0.113.5"),  # the left part is the client's claim
    ("127.0.0.1", {"x-forwarded-for": "203.0.113.5, 10.1.2.3"}, "203.0.113.5"),  # through two trusted proxies
    ("127.0.0.1", {"x-forwarded-for": "203.0.113.5, nonsense"}, "127.0.0.1"),
    ("127.0.0.1", {"x-real-ip": "203.0.113.6"}, "203.0.113.6"),
    ("127.0.0.1", {}, "127.0.0.1"),
    ("::ffff:127.0.0.1", {"x-forwarded-for": "2001:db8::5"}, "2001:db8::5"),
])
def test_the_client_address_behind_a_trusted_proxy(peer, headers, expected) -> None:
    config = parse_config(PROXY_CONFIG, env={})
    assert client_address(config, peer, headers) == expected


def test_trusted_proxies_is_one_setting_for_addresses_tls_and_sso() -> None:
    config = parse_config({**PROXY_CONFIG, "sso": {"header": "X-Remote-User", "trusted_proxies": ["192.0.2.1"]}},
                          env={})
    assert config.sso.enabled and config.sso.trusts("127.0.0.1") and config.sso.trusts("192.0.2.1")
    assert config.trusts_proxy("192.0.2.1") and config.trusts_proxy("10.1.200.1")
    assert not config.trusts_proxy("10.2.0.1") and not parse_config(
        {"session_secret": SECRET, "users": USERS}, env={}).trusts_proxy("127.0.0.1")
    with pytest.raises(ConfigError, match="trusted_proxies"):
        parse_config({**PROXY_CONFIG, "trusted_proxies": ["not an address"]}, env={})
    with pytest.raises(ConfigError, match="trusted_proxies"):
        parse_config({**PROXY_CONFIG, "trusted_proxies": "127.0.0.1"}, env={})


def test_review_config_and_auth_do_not_import_each_other() -> None:
    import subprocess
    import sys

    code = "import sys, review.config; print('review.auth' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "False"
    source = (Path(__file__).resolve().parents[2] / "review" / "config.py").read_text(encoding="utf-8")
    assert "review.auth" not in source


def test_sso_header_only_from_trusted_proxies() -> None:
    config = parse_config(
        {"session_secret": SECRET, "users": USERS,
         "sso": {"header": "X-Remote-User", "trusted_proxies": ["192.0.2.0/24", "::1"], "default_role": "viewer"}},
        env={},
    )
    assert sso_user(config, "192.0.2.7", {"X-Remote-User": "anna"}).role == "admin"
    assert sso_user(config, "::1", {"X-Remote-User": "olle"}).role == "viewer"
    assert sso_user(config, "198.51.100.1", {"X-Remote-User": "anna"}) is None
    assert sso_user(config, "192.0.2.7", {}) is None


def test_example_configuration_parses_and_hides_secrets() -> None:
    example = Path(__file__).resolve().parents[2] / "review" / "config.example.yml"
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    config = parse_config(data, env={"LOTSEN_REVIEW_SECRET": SECRET})
    assert set(config.users) == {"anna.andersson", "ledningsgruppen", "internationella.redaktor1"}
    assert config.users["internationella.redaktor1"].can_edit and config.four_eyes
    assert SECRET not in repr(config) and "argon2" not in repr(config)


def test_first_start_prints_a_development_editor_who_publishes_alone(tmp_path: Path, capsys) -> None:
    from review.config import main

    path = tmp_path / "review.yml"
    assert main(["init", "--path", str(path)]) == 0
    printed = capsys.readouterr().out
    password = next(line.split(": ", 1)[1] for line in printed.splitlines() if line.strip().startswith("redaktor:"))
    config = load_config(path, env={})
    editor = config.users["redaktor"]
    assert editor.role == "redaktör" and editor.can_edit and not editor.is_admin
    assert verify_password(editor, password) and not config.four_eyes
    assert not config.users["granskare"].can_edit
    assert parse_config({"session_secret": "s" * 40, "users": {"a": {"role": "admin"}}}, env={}).four_eyes


def test_an_older_development_file_gets_its_editor_once(tmp_path: Path, capsys) -> None:
    from review.config import main

    path = tmp_path / "review.yml"
    write_dev_config(path)
    data = yaml.safe_load(path.read_text())
    del data["users"]["redaktor"], data["four_eyes"]
    header = path.read_text().split("\n", 2)
    path.write_text(header[0] + "\n" + header[1] + "\n" + yaml.safe_dump(data))
    assert main(["init", "--path", str(path)]) == 0
    assert "redaktor:" in capsys.readouterr().out
    assert load_config(path, env={}).users["redaktor"].can_edit and "admin" in load_config(path, env={}).users
    assert main(["init", "--path", str(path)]) == 0
    assert "left unchanged" in capsys.readouterr().out
