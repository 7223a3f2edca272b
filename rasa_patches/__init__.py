"""Lotsen's patches to Rasa 3.6's server, each measured (docs/performance.md).

Nothing is patched on import. :func:`apply_all` is called explicitly where a
Rasa process of Lotsen starts: ``python -m rasa_patches run …`` (Rasa's own
command line, after ``apply_all()``; scripts/run.sh, the tests' servers,
scripts/test_scale.py and deploy/ start Rasa so). It

* refuses to start (:class:`PatchError`) unless the installed Rasa is
  :data:`RASA_VERSION`, the version every patch was written for and
  compared with;
* runs each module's ``configure`` (settings such as ``LOTSEN_SESSION_TURNS``;
  a bad value stops the start-up before anything is patched);
* checks every patch (the attribute exists and is still Rasa's own, not
  renamed or replaced), refusing with the patch's name, and only then
  replaces the attributes, keeping each original
  (``rasa_patches.core.rasa_original``).

Lotsen's channels refuse to start in a Rasa process without the patches
(:func:`require_applied`, from ``from_credentials``), so a plain ``rasa run
--credentials credentials.yml`` fails loudly instead of serving without the
apology, the length limit or the session rollover.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Mapping, Optional

from rasa_patches.core import RASA_VERSION, Patch, PatchError
from rasa_patches import core

__all__ = ["RASA_VERSION", "Patch", "PatchError", "PATCH_MODULES", "apply_all", "restore_all", "applied",
           "require_applied", "all_patches", "fingerprints"]

# Every module that patches Rasa; each has PATCHES (and may have configure(environ)).
PATCH_MODULES = (
    "channels.rasa_speedups",  # action-response schema checked once
    "channels.action_unavailable",  # the apology when the action server fails
    "channels.message_limit",  # every message cleaned and cut to the limit before NLU
    "rasa_patches.fast_model_load",
    "rasa_patches.predict_call",
    "rasa_patches.graph_runner",
    "rasa_patches.sparse_features",
    "rasa_patches.rule_lookup",
    "rasa_patches.sqlite_tracker_store",
    "rasa_patches.sql_tracker_queries",
    "rasa_patches.event_types",
    "rasa_patches.action_connections",
    "rasa_patches.session_rollover",
)


def installed_rasa_version() -> str:
    from rasa.version import __version__

    return __version__


def check_rasa_version(version: Optional[str] = None) -> None:
    version = installed_rasa_version() if version is None else version
    if version != RASA_VERSION:
        raise PatchError(
            f"Lotsen's Rasa patches ({', '.join(m.rsplit('.', 1)[1] for m in PATCH_MODULES)}) were written for "
            f"Rasa {RASA_VERSION}, but Rasa {version} is installed: compare each patched function with the new "
            f"Rasa (docs/performance.md, 'Upgrading Rasa') before changing RASA_VERSION in rasa_patches/core.py")


def modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in PATCH_MODULES]


def all_patches() -> list[Patch]:
    return [patch for module in modules() for patch in module.PATCHES]


def apply_all(environ: Optional[Mapping[str, str]] = None) -> list[Patch]:
    """Check the Rasa version and every patch, then apply them all; returns the patches applied."""
    check_rasa_version()
    loaded = modules()
    for module in loaded:
        configure = getattr(module, "configure", None)
        if configure is not None:
            configure(environ)
    patches = [patch for module in loaded for patch in module.PATCHES]
    core.apply(patches)
    return patches


def restore_all() -> None:
    """Rasa's originals back (tests use it to compare with Rasa unpatched)."""
    core.restore(all_patches())


def applied() -> bool:
    return core.applied(all_patches())


def fingerprints() -> dict[str, dict[str, str]]:
    """Per replaced Rasa function: its patch and the SHA-256 of Rasa's source of it.

    tests/rasa_patches/rasa_fingerprints.json holds these for the Rasa the patches were compared with;
    regenerate it after an upgrade (docs/performance.md, "Upgrading Rasa")::

        .venv/bin/python -c 'import json, rasa_patches; print(json.dumps(rasa_patches.fingerprints(), indent=2))' \\
            > tests/rasa_patches/rasa_fingerprints.json
    """
    import hashlib

    def digest(p: Patch) -> str:
        return hashlib.sha256(core.source_of(p.owner, p.attribute).encode()).hexdigest()

    return {p.target: {"patch": p.name, "sha256": digest(p)} for p in sorted(all_patches(), key=lambda p: p.target)}


def require_applied(channel: str) -> None:
    """Raise unless this process runs with every patch applied (called by Lotsen's channels at start-up)."""
    if not applied():
        raise PatchError(
            f"the {channel} channel needs Lotsen's Rasa patches, which this Rasa process has not applied: "
            f"start Rasa with `python -m rasa_patches run …` (Rasa's command line with the patches), "
            f"not `rasa run`")
