"""Rasa's lock store chosen by ``LOTSEN_REDIS_URL``: Redis when set, in memory when empty.

Rasa serialises the messages of one conversation with a ticket lock. One Rasa
process can keep the locks in memory; replicas behind a load balancer must
share them, in Redis. endpoints.yml cannot choose a store type by a variable
that may be empty, so this store takes the URL and delegates to Rasa's
``RedisLockStore`` or ``InMemoryLockStore``.
"""
from __future__ import annotations

import logging
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.lock import TicketLock
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

URL_VARIABLE = "LOTSEN_REDIS_URL"
DEFAULT_REDIS_DB = 1  # Rasa's default lock-store database


class LockStoreConfigError(ValueError):
    """The Redis URL is malformed or Redis does not answer."""


def redis_settings(raw: str) -> dict[str, Any]:
    """``RedisLockStore`` keyword arguments from redis://[user:password@]host[:port][/db] (rediss:// for TLS)."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise LockStoreConfigError(f"{URL_VARIABLE} must look like redis://host:6379/1 (got scheme "
                                   f"'{parts.scheme}', host '{parts.hostname or ''}')")
    db_text = parts.path.lstrip("/")
    try:
        port = parts.port or 6379
        db = int(db_text) if db_text else DEFAULT_REDIS_DB
    except ValueError as error:
        raise LockStoreConfigError(f"{URL_VARIABLE}: bad port or database number ({error})") from None
    return {
        "host": parts.hostname, "port": port, "db": db,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


def connect_redis(settings: dict[str, Any]) -> RedisLockStore:
    """Rasa's Redis lock store, checked with a PING so a wrong address fails at start-up."""
    import redis

    store = RedisLockStore(**settings)
    try:
        store.red.ping()
    except redis.RedisError as error:
        raise LockStoreConfigError(
            f"Redis lock store {settings['host']}:{settings['port']}/{settings['db']} ({URL_VARIABLE}) "
            f"does not answer: {error}") from None
    return store


class URLLockStore(LockStore):
    """Redis (``LOTSEN_REDIS_URL`` set) or in-memory lock store."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        raw = ((endpoint_config.url if endpoint_config else None) or "").strip()
        if raw:
            settings = redis_settings(raw)
            self.backend: LockStore = connect_redis(settings)
            logger.info("lock store: Redis at %s:%s/%s", settings["host"], settings["port"], settings["db"])
        else:
            self.backend = InMemoryLockStore()
            logger.info("lock store: in memory (%s is empty; one Rasa process only)", URL_VARIABLE)
        super().__init__()

    @property
    def shared(self) -> bool:
        """True when other Rasa processes see the same locks."""
        return isinstance(self.backend, RedisLockStore)

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.backend.save_lock(lock)
