"""What a patch to Rasa is, and how it is applied, checked and undone.

A :class:`Patch` names one attribute of one Rasa class and the value that
replaces it. :func:`apply` refuses, naming the patch, when the attribute is
missing or is not Rasa's own any more (renamed in an upgrade, or replaced by
something else), keeps Rasa's original, and replaces it; :func:`restore`
puts the originals back. :func:`rasa_original` gives a patch module Rasa's
own function whether or not the patch is already applied, so comparisons
with "Rasa's own" (in the patches and in tests) never compare a patch with
itself, whatever was imported first.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterable

RASA_VERSION = "3.6.21"  # the version every patch was written for and compared with


class PatchError(RuntimeError):
    """A patch cannot be applied to the installed Rasa; the message names it."""


@dataclass(frozen=True)
class Patch:
    name: str  # the patch's module, e.g. "rasa_patches.graph_runner"
    owner: type  # the Rasa class
    attribute: str
    replacement: Any  # as stored in the class: a function, staticmethod(...) or classmethod(...)

    @property
    def target(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.attribute}"


_originals: dict[tuple[type, str], Any] = {}  # (class, attribute) -> Rasa's value, as stored in the class


def function_of(value: Any) -> Callable[..., Any]:
    """The plain function behind a class attribute (staticmethod and classmethod unwrapped)."""
    return value.__func__ if isinstance(value, (staticmethod, classmethod)) else value


def is_rasas(value: Any) -> bool:
    """Whether a class attribute is a function defined in Rasa's own package."""
    module = getattr(function_of(value), "__module__", None) or ""
    return module == "rasa" or module.startswith("rasa.")


def stored_original(owner: type, attribute: str) -> Any:
    """Rasa's value of ``owner.attribute`` as stored in the class, patched or not; raises if there is none."""
    if (owner, attribute) in _originals:
        return _originals[(owner, attribute)]
    if attribute not in owner.__dict__:
        raise PatchError(f"{owner.__module__}.{owner.__qualname__} has no attribute {attribute!r} "
                         f"(written for Rasa {RASA_VERSION})")
    value = owner.__dict__[attribute]
    if not is_rasas(value):
        raise PatchError(f"{owner.__module__}.{owner.__qualname__}.{attribute} is not Rasa's own but "
                         f"{_describe(value)}, and Rasa's original was not kept")
    return value


def rasa_original(owner: type, attribute: str) -> Callable[..., Any]:
    """Rasa's own function for ``owner.attribute``, whether or not a patch replaced it."""
    return function_of(stored_original(owner, attribute))


def _describe(value: Any) -> str:
    function = function_of(value)
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"


def check(patches: Iterable[Patch]) -> None:
    """Raise :class:`PatchError`, naming the patch, unless every attribute exists and is Rasa's own or ours."""
    for patch in patches:
        if patch.attribute not in patch.owner.__dict__:
            raise PatchError(f"patch {patch.name}: {patch.target} does not exist in the installed Rasa "
                             f"(written for Rasa {RASA_VERSION}); update or drop the patch")
        current = patch.owner.__dict__[patch.attribute]
        if current is patch.replacement:
            continue
        if not is_rasas(current):
            raise PatchError(f"patch {patch.name}: {patch.target} is not Rasa's own function but "
                             f"{_describe(current)}; refusing to replace it")


def apply(patches: Iterable[Patch]) -> None:
    """Check every patch, then replace each attribute, keeping Rasa's original (all or nothing)."""
    patches = list(patches)
    check(patches)
    for patch in patches:
        current = patch.owner.__dict__[patch.attribute]
        if current is patch.replacement:
            continue  # applied before (apply is idempotent)
        _originals[(patch.owner, patch.attribute)] = current
        setattr(patch.owner, patch.attribute, patch.replacement)


def applied(patches: Iterable[Patch]) -> bool:
    return all(p.owner.__dict__.get(p.attribute) is p.replacement for p in patches)


def restore(patches: Iterable[Patch]) -> None:
    """Rasa's originals back in place of the given patches."""
    for patch in patches:
        original = _originals.pop((patch.owner, patch.attribute), None)
        if original is not None:
            setattr(patch.owner, patch.attribute, original)


def source_of(owner: type, attribute: str) -> str:
    """The source text of Rasa's original (for the fingerprints in tests/rasa_patches/)."""
    return inspect.getsource(rasa_original(owner, attribute))
