"""What the editor shows about the knowledge: the entries' table, and the preview of a reply.

The preview is composed by the action server's own code (actions/answering.py
``compose_entry`` and ``followup_buttons``) over the knowledge the draft would
make live, asked as the entry's title is asked, for a sample counterpart.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional, Sequence

from actions.answering import Presentation, compose_entry, followup_buttons
from actions.counterparts import Gazetteer
from actions.knowledge import CONVERSATIONAL_TOPICS, KnowledgeFrame, build_knowledge
from actions.knowledge_live import validator
from actions.knowledge_versions import AWAITING, Draft, Version, VersionStore
from actions.selection.asks import AskReader
from actions.selection.case_facts import CaseFacts
from actions.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
COUNTERPARTS = PROJECT_ROOT / "data" / "lookups" / "counterparts.yml"
# Counterparts the preview offers, one per kind of tailoring (capital, Nordic capital, country, organisation).
SAMPLE_COUNTERPARTS = ("Berlin", "Oslo", "Tyskland", "Eurocities")


@dataclass(frozen=True)
class EntryRow:
    id: str
    title: str
    topic: str
    status: str  # live | draft | awaiting | retired (review/editor_labels.py STATUS_LABELS)
    owner: str
    review_by: str
    overdue: bool
    last_change: str
    draft_id: Optional[int]


@dataclass(frozen=True)
class Preview:
    lines: tuple[str, ...]
    buttons: tuple[str, ...]
    counterpart: Optional[str]


class KnowledgeEditor:
    """The editor's view of the knowledge: versions (the store), the frame and the reply's composition."""

    def __init__(self, store: VersionStore, directory: Path, gazetteer: Gazetteer) -> None:
        self.store = store
        self.directory = directory
        self.gazetteer = gazetteer
        self.frame = KnowledgeFrame.load(directory)
        self.presentation = Presentation.load(directory)
        self.facts = CaseFacts.load(directory)
        self.asks = AskReader.load(directory)
        self.samples = tuple(n for n in SAMPLE_COUNTERPARTS if gazetteer.resolve(n) is not None)

    @classmethod
    def for_engine(cls, engine, directory: Path = KNOWLEDGE, counterparts: Path = COUNTERPARTS) -> "KnowledgeEditor":
        gazetteer = Gazetteer.load(counterparts)
        return cls(VersionStore(engine, validator(directory, gazetteer)), directory, gazetteer)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(t for t in self.frame.topics if t not in CONVERSATIONAL_TOPICS)

    def live(self) -> Version:
        """The live version; the files are imported as version 1 on the first visit of a new database."""
        live = self.store.live()
        if live is None:
            from actions.runtime import file_entries

            self.store.import_initial(file_entries(self.directory))
            live = self.store.live()
        assert live is not None
        return live

    def rows(self, today: date) -> list[EntryRow]:
        """Every entry (live, retired and new drafts), past its review-by date first, then by topic."""
        live = self.live()
        drafts = {d.entry_id: d for d in self.store.open_drafts()}
        changed = last_changes(self.store.versions())
        entries = list(live.entries) + [d.content for i, d in drafts.items() if live.entry(i) is None]
        rows = []
        for entry in entries:
            draft = drafts.get(entry["id"])
            shown = draft.content if draft else entry
            status = ("awaiting" if draft.status == AWAITING else "draft") if draft else (
                "retired" if entry.get("retired") else "live")
            review_by = str(shown.get("review_by") or "")
            rows.append(EntryRow(
                id=entry["id"], title=str(shown.get("title", "")), topic=str(entry.get("topic", "")), status=status,
                owner=str(shown.get("owner") or ""), review_by=review_by,
                overdue=bool(review_by) and review_by < today.isoformat() and status != "retired",
                last_change=changed.get(entry["id"], ""), draft_id=draft.id if draft else None,
            ))
        order = {t: i for i, t in enumerate(self.topics)}
        return sorted(rows, key=lambda r: (not r.overdue, order.get(r.topic, len(order))))

    def preview(self, entries: Sequence[dict], entry_id: str, counterpart: Optional[str]) -> Optional[Preview]:
        """The reply an official gets who asks the entry's title (None: the entry is retired)."""
        kb = build_knowledge(list(entries), self.frame, "preview")
        entry = kb.entries.get(entry_id)
        if entry is None:
            return None
        found = self.gazetteer.resolve(counterpart) if counterpart in self.samples else None
        yes_no = self.asks.read(entry.title).yes_no
        text = compose_entry(entry, found, self.presentation, yes_no, entry.title, self.facts)
        buttons = followup_buttons(kb, [entry], lambda i: i)
        return Preview(tuple(text.split("\n")), tuple(b["title"] for b in buttons), found.name if found else None)

    def draft_entries(self, draft: Draft) -> list[dict]:
        return self.store.check_draft(draft.content)


def last_changes(versions: Sequence[Version]) -> dict[str, str]:
    """Entry id → "version N, date, who" of the newest version that changed it (``versions`` newest first)."""
    found: dict[str, str] = {}
    for version in versions:
        for change in version.changes:
            found.setdefault(change["entry"], f"version {version.id}, {version.published_at:%Y-%m-%d}, "
                                              f"{version.published_by}")
    return found
