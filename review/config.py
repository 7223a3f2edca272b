"""Configuration of the review app: one YAML file plus a few environment overrides.

The file (default ``var/review.yml``, or ``LOTSEN_REVIEW_CONFIG``) holds the
session secret and the users' password hashes, so it is never committed;
``review/config.example.yml`` documents every key. ``python -m review.config
init`` writes a development file with a fresh secret and three generated users
(admin, viewer and editor); ``add-editor`` adds the editor to an existing file.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from actions.settings import DEFAULT_DB_PATH, PROJECT_ROOT
from review.passwords import hash_password

DEFAULT_CONFIG_PATH = PROJECT_ROOT / "var" / "review.yml"
EDITOR_ROLE = "redaktör"
ROLES = ("viewer", "admin", EDITOR_ROLE)
ROLE_LABELS = {"viewer": "granskare", "admin": "administratör", EDITOR_ROLE: "redaktör"}
MIN_SECRET_LENGTH = 32
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(RuntimeError):
    """The review configuration is missing or unusable."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: Optional[str] = field(default=None, repr=False)  # None: may only sign in through SSO

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_edit(self) -> bool:
        """Editors and admins edit the knowledge; viewers never see the editor."""
        return self.role in (EDITOR_ROLE, "admin")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


@dataclass(frozen=True)
class SSOConfig:
    """Trusted reverse-proxy header single sign-on (off unless ``header`` is set)."""

    header: Optional[str] = None
    trusted_proxies: tuple[IPNetwork, ...] = ()
    default_role: Optional[str] = None  # role of SSO users not listed in ``users``

    @property
    def enabled(self) -> bool:
        return bool(self.header) and bool(self.trusted_proxies)

    def trusts(self, address: str) -> bool:
        return _in_networks(address, self.trusted_proxies)


def _in_networks(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)


def _networks(raw: Any, where: str) -> tuple[IPNetwork, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be a list of addresses or networks (e.g. 127.0.0.1/32)")
    try:
        return tuple(ipaddress.ip_network(str(p), strict=False) for p in raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


@dataclass(frozen=True)
class ReviewConfig:
    session_secret: str = field(repr=False)
    users: Mapping[str, User]
    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    session_hours: float = 8.0
    cookie_secure: str = "auto"  # "auto" (when served over TLS), "always" or "never"
    login_attempts: int = 5
    login_window_minutes: int = 15
    small_group: int = 5
    low_confidence: float = 0.5
    question_retention_days: int = 90
    audit_retention_days: int = 365
    sso: SSOConfig = field(default_factory=SSOConfig)
    reports_dir: Path = PROJECT_ROOT / "var" / "reports"
    # Reverse proxies (nginx) whose X-Forwarded-For / X-Real-IP / X-Forwarded-Proto are believed,
    # and whose SSO header is (the same list; sso.trusted_proxies adds to it).
    trusted_proxies: tuple[IPNetwork, ...] = ()
    login_address_attempts: int = 20
    # A draft goes live only when a second editor approves it (docs/knowledge.md). Production keeps true.
    four_eyes: bool = True

    def trusts_proxy(self, address: str) -> bool:
        return _in_networks(address, self.trusted_proxies)


def _role(value: Any, where: str) -> str:
    if value not in ROLES:
        raise ConfigError(f"{where}: role must be one of {', '.join(ROLES)}, got {value!r}")
    return value


def _users(raw: Any) -> dict[str, User]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError("users must map user names to {role, password_hash}")
    users = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"users.{name} must be a mapping")
        users[str(name)] = User(
            name=str(name),
            role=_role(entry.get("role"), f"users.{name}"),
            password_hash=entry.get("password_hash") or None,
        )
    return users


def _sso(raw: Any, trusted_proxies: tuple[IPNetwork, ...] = ()) -> SSOConfig:
    if not raw:
        return SSOConfig(trusted_proxies=trusted_proxies)
    own = _networks(raw.get("trusted_proxies"), "sso.trusted_proxies")
    proxies = trusted_proxies + tuple(p for p in own if p not in trusted_proxies)
    default_role = raw.get("default_role")
    if default_role is not None:
        _role(default_role, "sso.default_role")
    header = raw.get("header")
    if header and not proxies:
        raise ConfigError("sso.header is set but sso.trusted_proxies is empty")
    return SSOConfig(header=header, trusted_proxies=proxies, default_role=default_role)


def parse_config(data: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> ReviewConfig:
    """Build a :class:`ReviewConfig` from parsed YAML; environment variables win."""
    secret = env.get("LOTSEN_REVIEW_SECRET") or data.get("session_secret") or ""
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"session_secret (or LOTSEN_REVIEW_SECRET) must be at least {MIN_SECRET_LENGTH} characters"
        )
    retention = data.get("retention") or {}
    proxies = _networks(data.get("trusted_proxies"), "trusted_proxies")
    sso = _sso(data.get("sso"), proxies)
    login = data.get("login") or {}
    four_eyes = data.get("four_eyes", True)
    if not isinstance(four_eyes, bool):
        raise ConfigError("four_eyes must be true or false")
    cookie_secure = str(data.get("cookie_secure", "auto"))
    if cookie_secure not in ("auto", "always", "never"):
        raise ConfigError("cookie_secure must be auto, always or never")
    config = ReviewConfig(
        session_secret=secret,
        users=_users(data.get("users")),
        database_url=(
            env.get("LOTSEN_REVIEW_DB_URL") or data.get("database_url")
            or env.get("ENGAGEMENT_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"
        ),
        session_hours=float(data.get("session_hours", 8)),
        cookie_secure=cookie_secure,
        login_attempts=int(login.get("max_failures", 5)),
        login_window_minutes=int(login.get("window_minutes", 15)),
        login_address_attempts=int(login.get("max_failures_per_address", 20)),
        small_group=int(data.get("small_group", 5)),
        low_confidence=float(data.get("low_confidence", 0.5)),
        question_retention_days=int(retention.get("question_days", 90)),
        audit_retention_days=int(retention.get("audit_days", 365)),
        sso=sso,
        trusted_proxies=sso.trusted_proxies,  # top-level and SSO's: one list
        reports_dir=Path(data.get("reports_dir") or PROJECT_ROOT / "var" / "reports"),
        four_eyes=four_eyes,
    )
    if config.question_retention_days < 1 or config.audit_retention_days < 1:
        raise ConfigError("retention periods must be at least one day")
    if not config.users and not config.sso.enabled:
        raise ConfigError("no users configured and SSO is off: nobody could sign in")
    return config


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    return Path(env.get("LOTSEN_REVIEW_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(path: Optional[Path] = None, env: Mapping[str, str] = os.environ) -> ReviewConfig:
    path = path or config_path(env)
    if not path.exists():
        raise ConfigError(f"{path} does not exist: run 'python -m review.config init' (make review does)")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping")
    return parse_config(data, env)


DEV_ROLES = {"admin": "admin", "granskare": "viewer", "redaktor": EDITOR_ROLE}


def write_dev_config(path: Path) -> dict[str, str]:
    """Write a development config with a fresh secret and three users; return their passwords.

    One editor alone publishes in development (``four_eyes: false``); production keeps the default.
    """
    passwords = {name: secrets.token_urlsafe(12) for name in DEV_ROLES}
    roles = DEV_ROLES
    data: dict[str, Any] = {
        "session_secret": secrets.token_urlsafe(48),
        "four_eyes": False,
        "users": {
            name: {"role": roles[name], "password_hash": hash_password(pw)} for name, pw in passwords.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        DEV_HEADER + "\n"
        "# Holds secrets: never commit. See review/config.example.yml for all keys.\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return passwords


DEV_HEADER = "# Development configuration written by 'python -m review.config init'."


def add_dev_editor(path: Path) -> Optional[str]:
    """A development file written before the editor role existed gets its editor; the password, or None.

    Only a file this module wrote (its header) without any editor is changed; four-eyes is left as it is.
    """
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    users = data.get("users") or {}
    if not text.startswith(DEV_HEADER) or any(u.get("role") == EDITOR_ROLE for u in users.values()):
        return None
    password = secrets.token_urlsafe(12)
    users["redaktor"] = {"role": EDITOR_ROLE, "password_hash": hash_password(password)}
    data["users"] = users
    data.setdefault("four_eyes", False)
    path.write_text(text.split("\n", 2)[0] + "\n" + text.split("\n", 2)[1] + "\n"
                    + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return password


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.config")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="write a development config unless one exists")
    init.add_argument("--path", type=Path, default=None)
    sub.add_parser("hash-password", help="read a password from stdin, print its hash")
    args = parser.parse_args(argv)
    if args.command == "hash-password":
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            parser.error("empty password")
        print(hash_password(password))
        return 0
    path = args.path or config_path()
    if path.exists():
        added = add_dev_editor(path)
        if added:
            print(f"Added the development editor to {path} (shown once):\n  redaktor: {added}")
        else:
            print(f"{path} exists; left unchanged")
        return 0
    passwords = write_dev_config(path)
    print(f"Wrote {path}. Development users (shown once):")
    for name, password in passwords.items():
        print(f"  {name}: {password}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
