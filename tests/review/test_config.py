"""Configuration: refused when unsafe, dev file written with hashed passwords."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from review.auth import LoginThrottle, SessionCodec, sso_user, verify_password
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
    throttle.failed("10.0.0.2", "anna", now=101)
    assert throttle.blocked("10.0.0.3", "ANNA", now=102)  # per user name, any address
    assert not throttle.blocked("10.0.0.3", "anna", now=112)


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
    assert set(config.users) == {"anna.andersson", "ledningsgruppen"}
    assert SECRET not in repr(config) and "argon2" not in repr(config)
