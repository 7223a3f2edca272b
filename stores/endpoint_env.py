"""Defaults of the environment variables that endpoints.yml reads for the stores.

One place for them: scripts/run.sh applies them (``python -m stores.endpoint_env``
prints shell assignments that keep values already set) and the tests'
``lotsen_env`` does the same in Python. Rasa fails on an undefined variable in
endpoints.yml, so every variable it reads has a default here.
"""
from __future__ import annotations

import os
import shlex
from collections.abc import Mapping

STORE_DEFAULTS: dict[str, str] = {
    # SQLAlchemy URL of Rasa's tracker store; PostgreSQL in production.
    # `make reconcile` reads the same variable.
    "LOTSEN_TRACKER_URL": "sqlite:///var/tracker.db",
    # redis://[:password@]host[:port][/db] switches on Rasa's Redis lock store;
    # empty keeps the in-memory lock store (one Rasa process only).
    "LOTSEN_REDIS_URL": "",
}


def with_store_defaults(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with every store variable it does not set taken from the defaults."""
    return {**STORE_DEFAULTS, **env}


def shell_assignments() -> str:
    """``export NAME=value`` lines for the variables not already in the environment."""
    return "\n".join(
        f"export {name}={shlex.quote(value)}" for name, value in STORE_DEFAULTS.items() if name not in os.environ
    )


if __name__ == "__main__":
    print(shell_assignments())
