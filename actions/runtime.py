"""What the actions share for the lifetime of the action server: settings,
knowledge base, gazetteer, the records writer and the outbox drainer.

Built once by :func:`get_runtime` (``actions/startup.py`` does it when the
action server imports the package, so broken configuration stops start-up);
tests build their own with :func:`build_runtime` and install it with
:func:`set_runtime`.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from actions.answering import Presentation
from actions.assessment import AssessmentGuide
from actions.counterparts import Gazetteer
from actions.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from actions.search import KnowledgeSearch
from actions.selection.asks import AskReader
from actions.selection.case_facts import CaseFacts
from actions.selection.context import FollowupReader
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


def check_references(knowledge: KnowledgeBase, asks: AskReader, gazetteer: Gazetteer) -> None:
    """Names the knowledge uses outside itself exist: asks' general entries, counterparts of tailoring."""
    for ask in asks.asks.values():
        if ask.general_entry and ask.general_entry not in knowledge.entries:
            raise KnowledgeError(f"asks.yml: ask {ask.id!r}: general_entry {ask.general_entry!r} does not exist")
    for entry in knowledge.entries.values():
        names = [t.counterpart for t in entry.tailoring if t.counterpart] + list(entry.only_for)
        for name in names:
            found = gazetteer.resolve(name)
            if found is None or found.name != name:
                raise KnowledgeError(f"{entry.file}: entry {entry.id!r}: counterpart {name!r} is not a canonical "
                                     f"name in data/lookups/counterparts.yml")


def build_selector(knowledge: KnowledgeBase, directory: Path, gazetteer: Gazetteer,
                   search: Optional[KnowledgeSearch] = None) -> tuple[EntrySelector, CaseFacts]:
    """The entry selector and the case-fact reader over ``knowledge`` (``directory``: knowledge/)."""
    asks = AskReader.load(directory)
    check_references(knowledge, asks, gazetteer)
    facts = CaseFacts.load(directory)
    selector = EntrySelector(knowledge, search or KnowledgeSearch.build(knowledge), asks,
                             FollowupReader.load(directory), gazetteer, facts)
    return selector, facts


def build_runtime(settings: Settings, engine: Optional[Engine] = None) -> Runtime:
    """Load and validate everything; raises on any broken part.

    ``engine`` overrides the database of ``settings.db_url`` (tests).
    """
    knowledge = load_knowledge(settings.knowledge_dir)
    presentation = Presentation.load(settings.knowledge_dir)
    guide = AssessmentGuide.load(settings.knowledge_dir, knowledge)
    gazetteer = Gazetteer.load(settings.counterparts_file)
    engine = engine or create_engine(settings.db_url)
    writer, drainer = build_writer(settings, engine)
    logger.info(
        "Lotsen actions ready: %d knowledge entries (version %s), %d counterpart names, records in %s, outbox %s",
        len(knowledge.entries), knowledge.version, len(gazetteer), engine.url.render_as_string(hide_password=True),
        writer.outbox.path,
    )
    search = KnowledgeSearch.build(knowledge)
    selector, facts = build_selector(knowledge, settings.knowledge_dir, gazetteer, search)
    return Runtime(settings, knowledge, presentation, gazetteer, writer, guide, search, drainer, selector, facts)


_runtime: Optional[Runtime] = None


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = build_runtime(load_settings())
        _runtime.drainer.start()  # drains what an earlier run left, then every few seconds
    return _runtime


def set_runtime(runtime: Optional[Runtime]) -> None:
    global _runtime
    _runtime = runtime
