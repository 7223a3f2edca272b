"""What the actions share for the lifetime of the action server: settings,
knowledge base, gazetteer, the records writer and the outbox drainer.

The knowledge comes from the live version in the records database
(actions/knowledge_versions.py; the first start imports ``knowledge/`` as
version 1). A :class:`KnowledgeWatcher` polls for a newer version and
:func:`swap_knowledge` installs it: a new :class:`Runtime` with the new
knowledge set, built completely first, replaces the old one in one
assignment. An action takes the runtime once per request, so it never sees
half of one version and half of another.

Built once by :func:`get_runtime` (``actions/startup.py`` does it when the
action server imports the package, so broken configuration stops start-up);
tests build their own with :func:`build_runtime` and install it with
:func:`set_runtime`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from actions.answering import Presentation
from actions.assessment import AssessmentGuide
from actions.counterparts import Gazetteer
from actions.knowledge import KnowledgeBase, KnowledgeFrame, content_digest, read_entries
from actions.knowledge_live import (
    KnowledgeSet, KnowledgeWatcher, build_knowledge_set, build_selector, check_references, validator,
)
from actions.knowledge_versions import VersionStore
from actions.search import KnowledgeSearch
from actions.selection.case_facts import CaseFacts
from actions.selection.selector import EntrySelector
from actions.durable_writer import DurableRecordWriter
from actions.outbox import Outbox, OutboxDrainer, database_unavailable
from actions.records import RecordStore, create_engine, migrate
from actions.settings import PROJECT_ROOT, Settings, load_settings
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    knowledge: KnowledgeBase
    presentation: Presentation
    gazetteer: Gazetteer
    writer: DurableRecordWriter
    guide: AssessmentGuide
    search: KnowledgeSearch
    drainer: OutboxDrainer
    selector: EntrySelector
    facts: CaseFacts
    # The knowledge's versions in the records database; None only in runtimes tests build without one.
    versions: Optional[VersionStore] = None
    watcher: Optional[KnowledgeWatcher] = None


__all__ = ["Runtime", "build_runtime", "build_selector", "check_references", "build_writer", "get_runtime",
           "set_runtime", "swap_knowledge"]


def default_outbox_path(engine: Engine) -> Path:
    """Beside a SQLite records file; for a server database, var/outbox-<hash of its URL>.db."""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        return Path(database).with_suffix(".outbox.db")
    name = hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return PROJECT_ROOT / "var" / f"outbox-{name}.db"


def build_writer(settings: Settings, engine: Engine) -> tuple[DurableRecordWriter, OutboxDrainer]:
    """The records writer and its outbox drainer; migrates the database, or
    (when it is down) leaves that to the drainer's first successful pass."""
    database = engine.url.render_as_string(hide_password=True)
    outbox = Outbox(settings.outbox_path or default_outbox_path(engine), database)
    store = RecordStore(engine)
    writer = DurableRecordWriter(store, outbox, settings.db_write_timeout)
    prepare = None
    try:
        migrate(engine)
    except Exception as exc:  # noqa: BLE001 - only an unreachable database is survivable
        if not database_unavailable(exc):
            raise
        writer.breaker.open(f"{type(exc).__name__} at start-up")
        prepare = lambda: migrate(engine)  # noqa: E731
    drainer = OutboxDrainer(outbox, store, settings.outbox_drain_interval, prepare=prepare,
                            on_empty=writer.breaker.close)
    return writer, drainer


def file_entries(directory: Path) -> list[dict]:
    """The raw entries of knowledge/ (version 1 of a new database)."""
    return [raw for _, raw in read_entries(directory)]


def initial_knowledge(settings: Settings, gazetteer: Gazetteer, versions: VersionStore,
                      available: bool) -> tuple[KnowledgeSet, Optional[int]]:
    """The live version's knowledge set and id; the files' (id None) while the database is down."""
    if available:
        live_id = versions.import_initial(file_entries(settings.knowledge_dir))
        live = versions.get(live_id)
        assert live is not None
        return build_knowledge_set(settings.knowledge_dir, gazetteer, live.entries, str(live_id)), live_id
    entries = file_entries(settings.knowledge_dir)
    KnowledgeFrame.load(settings.knowledge_dir)
    return build_knowledge_set(settings.knowledge_dir, gazetteer, entries, content_digest(entries)), None


def build_runtime(settings: Settings, engine: Optional[Engine] = None) -> Runtime:
    """Load and validate everything; raises on any broken part.

    ``engine`` overrides the database of ``settings.db_url`` (tests).
    """
    presentation = Presentation.load(settings.knowledge_dir)
    gazetteer = Gazetteer.load(settings.counterparts_file)
    engine = engine or create_engine(settings.db_url)
    writer, drainer = build_writer(settings, engine)
    versions = VersionStore(engine, validator(settings.knowledge_dir, gazetteer))
    kset, live_id = initial_knowledge(settings, gazetteer, versions, available=not writer.breaker.is_open)
    knowledge = kset.knowledge
    logger.info(
        "Lotsen actions ready: %d knowledge entries (version %s), %d counterpart names, records in %s, outbox %s",
        len(knowledge.entries), knowledge.version, len(gazetteer), engine.url.render_as_string(hide_password=True),
        writer.outbox.path,
    )
    runtime = Runtime(settings, knowledge, presentation, gazetteer, writer, kset.guide, kset.search, drainer,
                      kset.selector, kset.facts, versions)
    runtime.watcher = KnowledgeWatcher(
        versions, settings.knowledge_poll_interval, live_id,
        load=lambda version_id: install_version(runtime, version_id),
        ensure=lambda: versions.import_initial(file_entries(settings.knowledge_dir)),
    )
    return runtime


def install_version(runtime: Runtime, version_id: int) -> None:
    """Build the stored version completely, then swap it in (the watcher's callback)."""
    swap_knowledge(runtime, load_version(runtime, version_id))


def load_version(runtime: Runtime, version_id: int) -> KnowledgeSet:
    """The complete, validated knowledge set of a stored version."""
    assert runtime.versions is not None
    version = runtime.versions.get(version_id)
    if version is None:
        raise LookupError(f"knowledge version {version_id} does not exist")
    return build_knowledge_set(runtime.settings.knowledge_dir, runtime.gazetteer, version.entries, str(version_id))


_runtime: Optional[Runtime] = None
_swap_lock = threading.Lock()


def swap_knowledge(base: Runtime, kset: KnowledgeSet) -> Runtime:
    """Install ``kset`` in place of the knowledge of the current runtime (one reference assignment).

    ``base`` is the runtime the watcher belongs to; when it is not installed (a test's runtime
    replaced it) nothing is swapped, only the returned runtime carries the new knowledge.
    """
    global _runtime
    with _swap_lock:
        current = _runtime if _runtime is not None and _runtime.watcher is base.watcher else base
        new = dataclasses.replace(current, knowledge=kset.knowledge, guide=kset.guide, search=kset.search,
                                  selector=kset.selector, facts=kset.facts)
        if _runtime is current:
            _runtime = new
    return new


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        runtime = build_runtime(load_settings())
        _runtime = runtime
        runtime.drainer.start()  # drains what an earlier run left, then every few seconds
        if runtime.watcher is not None:
            runtime.watcher.start()  # the live knowledge version, every LOTSEN_KNOWLEDGE_POLL_INTERVAL
    return _runtime


def set_runtime(runtime: Optional[Runtime]) -> None:
    global _runtime
    _runtime = runtime
