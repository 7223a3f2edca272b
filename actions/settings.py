"""Configuration from the environment, validated once at start-up.

Broken configuration fails loudly here, when the action server imports the
actions package, rather than on the first user message.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "engagements.db"
MIN_HASH_KEY_LENGTH = 16


class ConfigurationError(RuntimeError):
    """Raised when the environment holds an unusable setting."""


@dataclass(frozen=True)
class Settings:
    """Everything the actions read from the environment."""

    db_url: str
    hash_key: bytes
    knowledge_dir: Path
    counterparts_file: Path
    records_enabled: bool
    clarify_min_confidence: float
    # The durable outbox for records the database could not take (docs/reliability.md);
    # None: derived from the records database (actions/runtime.py default_outbox_path).
    outbox_path: Optional[Path] = None
    # Longest a message waits for a record write before it goes to the outbox.
    db_write_timeout: float = 2.0
    # Seconds between attempts to write the outbox to the database.
    outbox_drain_interval: float = 2.0
    # Seconds between polls for a newly published knowledge version (the longest delay until it answers).
    knowledge_poll_interval: float = 3.0


def _number(env: Mapping[str, str], name: str, default: float, unit: str = "a number") -> float:
    """The setting ``name`` as a float, ``default`` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be {unit}, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default)
    if not 0.0 <= value <= 1.0:
        raise ConfigurationError(f"{name} must be between 0 and 1, got {value}")
    return value


def seconds_setting(env: Mapping[str, str], name: str, default: float, maximum: float) -> float:
    """A duration setting in seconds, more than 0 and at most ``maximum``."""
    value = _number(env, name, default, "a number of seconds")
    if not 0.0 < value <= maximum:
        raise ConfigurationError(f"{name} must be more than 0 and at most {maximum} seconds, got {value}")
    return value


def whole_number_setting(env: Mapping[str, str], name: str, default: int, minimum: int, unit: str) -> int:
    """A whole-number setting of at least ``minimum`` (``unit`` names what it counts in the error)."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number of {unit}, got {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def _outbox_path(env: Mapping[str, str]) -> Optional[Path]:
    """LOTSEN_OUTBOX_PATH (relative paths from the project root): a file in a writable folder."""
    raw = env.get("LOTSEN_OUTBOX_PATH", "")
    if not raw:
        return None
    path = Path(raw) if Path(raw).is_absolute() else PROJECT_ROOT / raw
    if path.is_dir():
        raise ConfigurationError(f"LOTSEN_OUTBOX_PATH must name a file, {path} is a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"LOTSEN_OUTBOX_PATH: cannot create folder {path.parent}: {exc}") from exc
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigurationError(f"LOTSEN_OUTBOX_PATH: {path} is not writable")
    return path


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    """Read and validate the settings; raise :class:`ConfigurationError` when unusable."""
    key = env.get("LOTSEN_HASH_KEY", "")
    if len(key) < MIN_HASH_KEY_LENGTH:
        raise ConfigurationError(
            "LOTSEN_HASH_KEY must be set to a secret of at least "
            f"{MIN_HASH_KEY_LENGTH} characters (make run writes a development key to .env)"
        )
    db_url = env.get("ENGAGEMENT_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"
    knowledge_dir = Path(env.get("LOTSEN_KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge")
    counterparts = Path(
        env.get("LOTSEN_COUNTERPARTS_FILE") or PROJECT_ROOT / "data" / "lookups" / "counterparts.yml"
    )
    for path in (knowledge_dir, counterparts):
        if not path.exists():
            raise ConfigurationError(f"{path} does not exist")
    return Settings(
        db_url=db_url,
        hash_key=key.encode("utf-8"),
        knowledge_dir=knowledge_dir,
        counterparts_file=counterparts,
        records_enabled=_flag(env, "LOTSEN_RECORDS", True),
        clarify_min_confidence=_float(env, "LOTSEN_CLARIFY_MIN_CONFIDENCE", 0.2),
        outbox_path=_outbox_path(env),
        db_write_timeout=seconds_setting(env, "LOTSEN_DB_WRITE_TIMEOUT", 2.0, 30.0),
        outbox_drain_interval=seconds_setting(env, "LOTSEN_OUTBOX_DRAIN_INTERVAL", 2.0, 300.0),
        knowledge_poll_interval=seconds_setting(env, "LOTSEN_KNOWLEDGE_POLL_INTERVAL", 3.0, 300.0),
    )
