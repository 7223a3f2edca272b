"""What the actions share for the lifetime of the action server: settings,
knowledge base, gazetteer and the records writer.

Built once by :func:`get_runtime` (``actions/startup.py`` does it when the
action server imports the package, so broken configuration stops start-up);
tests build their own with :func:`build_runtime` and install it with
:func:`set_runtime`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from actions.answering import Presentation
from actions.assessment import AssessmentGuide
from actions.counterparts import Gazetteer
from actions.knowledge import KnowledgeBase, load_knowledge
from actions.search import KnowledgeSearch
from actions.records import AsyncRecordWriter, RecordStore, create_engine, migrate
from actions.settings import Settings, load_settings
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    knowledge: KnowledgeBase
    presentation: Presentation
    gazetteer: Gazetteer
    writer: AsyncRecordWriter
    guide: AssessmentGuide
    search: KnowledgeSearch


def build_runtime(settings: Settings, engine: Optional[Engine] = None) -> Runtime:
    """Load and validate everything; raises on any broken part.

    ``engine`` overrides the database of ``settings.db_url`` (tests).
    """
    knowledge = load_knowledge(settings.knowledge_dir)
    presentation = Presentation.load(settings.knowledge_dir)
    guide = AssessmentGuide.load(settings.knowledge_dir, knowledge)
    gazetteer = Gazetteer.load(settings.counterparts_file)
    engine = engine or create_engine(settings.db_url)
    migrate(engine)
    logger.info(
        "Lotsen actions ready: %d knowledge entries (version %s), %d counterpart names, records in %s",
        len(knowledge.entries), knowledge.version, len(gazetteer), engine.url.render_as_string(hide_password=True),
    )
    search = KnowledgeSearch.build(knowledge)
    return Runtime(settings, knowledge, presentation, gazetteer, AsyncRecordWriter(RecordStore(engine)), guide, search)


_runtime: Optional[Runtime] = None


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = build_runtime(load_settings())
    return _runtime


def set_runtime(runtime: Optional[Runtime]) -> None:
    global _runtime
    _runtime = runtime
