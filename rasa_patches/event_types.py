"""Look up Rasa event classes by name from a table instead of a class-tree walk.

Rasa 3.6's ``Event.resolve_by_type`` walks every subclass of ``Event`` for
each event it deserialises; the SQL tracker store deserialises the whole
session on every message, which made the walk 8 % of the Rasa server's busy
time under load (py-spy, docs/performance.md). The table holds the same
answer (the first class in Rasa's walk order with that ``type_name``) and is
rebuilt when a name is missing, so event classes defined later are found too.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

import rasa.shared.utils.common
from rasa.shared.core.events import Event

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

_original_resolve = rasa_original(Event, "resolve_by_type")


@lru_cache(maxsize=1)
def event_classes() -> dict[str, type[Event]]:
    """``type_name`` -> class, first match in ``all_subclasses(Event)`` order as in Rasa."""
    table: dict[str, type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def resolve_by_type(type_name: str, default: Optional[type[Event]] = None) -> Optional[type[Event]]:
    """Rasa's ``Event.resolve_by_type``, from the table."""
    cls = event_classes().get(type_name)
    if cls is None:
        event_classes.cache_clear()
        cls = event_classes().get(type_name)
    if cls is not None:
        return cls
    return _original_resolve(type_name, default)  # Rasa's own answer for unknown names ("topic", default, error)


PATCHES = (Patch(__name__, Event, "resolve_by_type", staticmethod(resolve_by_type)),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
