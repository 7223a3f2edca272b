"""The knowledge the actions answer from, built from a stored version and kept live.

:func:`build_knowledge_set` builds everything that depends on the knowledge
(the knowledge base, the assessment guide, the search index, the entry
selector and the case-fact reader) from a version's raw entries, validating
them exactly as the action server's start-up always has; :func:`validator`
is the same check for the review app's editor, so a version that would stop
an action server can never be published. :class:`KnowledgeWatcher` polls the
database for the live version id every ``LOTSEN_KNOWLEDGE_POLL_INTERVAL``
seconds and hands a new id to a callback that builds the new set completely
before it swaps one reference (actions/runtime.py ``swap_knowledge``).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from actions.assessment import AssessmentGuide
from actions.counterparts import Gazetteer
from actions.knowledge import KnowledgeBase, KnowledgeError, KnowledgeFrame, build_knowledge
from actions.knowledge_versions import Validate, VersionStore
from actions.outbox import database_unavailable
from actions.search import KnowledgeSearch
from actions.selection.asks import AskReader
from actions.selection.case_facts import CaseFacts
from actions.selection.context import FollowupReader
from actions.selection.selector import EntrySelector

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KnowledgeSet:
    """Everything the actions hold that is built from the knowledge's entries."""

    knowledge: KnowledgeBase
    guide: AssessmentGuide
    search: KnowledgeSearch
    selector: EntrySelector
    facts: CaseFacts


def check_references(knowledge: KnowledgeBase, asks: AskReader, gazetteer: Gazetteer) -> None:
    """Names the knowledge uses outside itself exist: asks' general entries, counterparts of tailoring."""
    for ask in asks.asks.values():
        if ask.general_entry and ask.general_entry not in knowledge.entries:
            raise KnowledgeError(f"asks.yml: ask {ask.id!r}: general_entry {ask.general_entry!r} does not exist",
                                 None, "asks_reference", ask.general_entry)
    for entry in knowledge.entries.values():
        names = [t.counterpart for t in entry.tailoring if t.counterpart] + list(entry.only_for)
        for name in names:
            found = gazetteer.resolve(name)
            if found is None or found.name != name:
                raise KnowledgeError(f"{entry.file}: entry {entry.id!r}: counterpart {name!r} is not a canonical "
                                     f"name in data/lookups/counterparts.yml",
                                     "only_for" if name in entry.only_for else "tailoring", "counterpart", entry.id)


def build_selector(knowledge: KnowledgeBase, directory: Path, gazetteer: Gazetteer,
                   search: Optional[KnowledgeSearch] = None) -> tuple[EntrySelector, CaseFacts]:
    """The entry selector and the case-fact reader over ``knowledge`` (``directory``: knowledge/)."""
    asks = AskReader.load(directory)
    check_references(knowledge, asks, gazetteer)
    facts = CaseFacts.load(directory)
    selector = EntrySelector(knowledge, search or KnowledgeSearch.build(knowledge), asks,
                             FollowupReader.load(directory), gazetteer, facts)
    return selector, facts


def checked_knowledge(directory: Path, gazetteer: Gazetteer, entries: list[dict], version: str) -> KnowledgeBase:
    """The knowledge base of ``entries``, checked as the action server's start-up checks it (no search built)."""
    knowledge = build_knowledge(entries, KnowledgeFrame.load(directory), version)
    check_references(knowledge, AskReader.load(directory), gazetteer)
    AssessmentGuide.load(directory, knowledge)
    return knowledge


def validator(directory: Path, gazetteer: Gazetteer) -> Validate:
    """The check a version must pass to be stored (raises KnowledgeError)."""
    def validate(entries: list[dict]) -> None:
        checked_knowledge(directory, gazetteer, entries, "check")

    return validate


def build_knowledge_set(directory: Path, gazetteer: Gazetteer, entries: list[dict], version: str) -> KnowledgeSet:
    """The whole knowledge-dependent set for ``entries``; raises KnowledgeError when they are broken."""
    knowledge = build_knowledge(entries, KnowledgeFrame.load(directory), version)
    guide = AssessmentGuide.load(directory, knowledge)
    search = KnowledgeSearch.build(knowledge)
    selector, facts = build_selector(knowledge, directory, gazetteer, search)
    return KnowledgeSet(knowledge, guide, search, selector, facts)


class KnowledgeWatcher:
    """Polls the live version id every ``interval`` seconds; ``load(id)`` is called when it changed.

    ``load`` builds and swaps in the new version; when it fails (a broken version, a database
    error) the error is logged once per version and the old knowledge keeps answering.
    """

    def __init__(self, store: VersionStore, interval: float, current: Optional[int],
                 load: Callable[[int], None], ensure: Optional[Callable[[], int]] = None) -> None:
        self.store = store
        self.interval = interval
        self.current = current
        self._load = load
        self._ensure = ensure  # imports version 1 when the database was down at start-up
        self._failed: Optional[int] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def check_once(self) -> bool:
        """One poll; True when a new version was loaded."""
        try:
            live = self.store.live_id()
            if live is None and self._ensure is not None:
                live = self._ensure()
        except Exception as exc:  # noqa: BLE001 - a database that is down is survivable, the rest is not
            if not database_unavailable(exc):
                raise
            return False
        if live is None or live == self.current or live == self._failed:
            return False
        try:
            self._load(live)
        except Exception:  # noqa: BLE001 - logged; the old version keeps answering
            self._failed = live
            logger.exception("knowledge version %s could not be loaded; still answering from %s", live, self.current)
            return False
        logger.info("knowledge version %s is live (was %s)", live, self.current)
        self.current = live
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_once()
            except Exception:  # noqa: BLE001 - the thread must keep polling
                logger.exception("knowledge poll failed")

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True, name="knowledge-watcher")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
