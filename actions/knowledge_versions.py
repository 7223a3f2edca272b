"""Versions and drafts of the knowledge in the records database.

Every published state of the knowledge is an immutable row of
``knowledge_versions`` (who, when, note, the full content as JSON and a
readable per-entry diff against the version before). The live version is the
newest one: publishing, approving a draft and rolling back all insert a new
row, so the action servers only ever poll ``max(id)``. Drafts
(``knowledge_drafts``) are proposed changes to one entry each, kept apart
from what is live until published. The tables are created by
migrations/versions/0106_knowledge_versions.py.

The store does not know what valid knowledge is: it is given a ``validate``
callable (actions/knowledge_live.py ``validate_content``, the action server's
own start-up validation) and never writes a version that fails it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from actions.knowledge import EDITORIAL_KEYS, ENTRY_KEYS, KnowledgeError
from actions.records import utcnow

metadata = sa.MetaData()

knowledge_versions = sa.Table(
    "knowledge_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_by", sa.String(200), nullable=False),
    sa.Column("approved_by", sa.String(200)),
    sa.Column("note", sa.Text),
    sa.Column("based_on", sa.Integer),  # a rollback: the version whose content was restored
    sa.Column("content", sa.JSON, nullable=False),  # {"entries": [raw entry, ...]}
    sa.Column("changes", sa.JSON, nullable=False),  # [{"entry", "title", "change", "fields": [...]}]
)

knowledge_drafts = sa.Table(
    "knowledge_drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entry_id", sa.String(200), nullable=False, index=True),
    sa.Column("content", sa.JSON, nullable=False),  # the raw entry as it would be published
    sa.Column("status", sa.String(16), nullable=False),  # DRAFT_STATES
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("requested_by", sa.String(200)),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("version_id", sa.Integer),  # the version that published it
)

OPEN, AWAITING, PUBLISHED, DISCARDED = "open", "awaiting", "published", "discarded"
DRAFT_STATES = (OPEN, AWAITING, PUBLISHED, DISCARDED)
# Change kinds of a version's diff.
ADDED, CHANGED, RETIRED, RESTORED, REMOVED = "added", "changed", "retired", "restored", "removed"
FIELD_ORDER = ENTRY_KEYS

Validate = Callable[[list[dict]], None]
# Tries of a publication that meets another one published at the same moment.
PUBLISH_ATTEMPTS = 3


class VersionError(RuntimeError):
    """A publishing step that is not allowed (``code`` names it for the editor's message)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Version:
    id: int
    published_at: datetime
    published_by: str
    approved_by: Optional[str]
    note: Optional[str]
    based_on: Optional[int]
    entries: list[dict]
    changes: list[dict]

    def entry(self, entry_id: str) -> Optional[dict]:
        return next((e for e in self.entries if e.get("id") == entry_id), None)


@dataclass(frozen=True)
class Draft:
    id: int
    entry_id: str
    content: dict
    status: str
    author: str
    created_at: datetime
    updated_at: datetime
    requested_by: Optional[str]
    decided_by: Optional[str]
    version_id: Optional[int]


def _as_text(value: Any) -> str:
    """A field's value as one readable text (lists one item a line)."""
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, list):
        return "\n".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_as_text(v)}" for k, v in value.items())
    return str(value)


def entry_changes(before: Optional[dict], after: Optional[dict]) -> Optional[dict]:
    """One entry's change from ``before`` to ``after`` (None: unchanged)."""
    if before == after:
        return None
    entry_id = (after or before or {}).get("id", "")
    title = (after or before or {}).get("title", "")
    if before is None:
        change = ADDED
    elif after is None:
        change = REMOVED
    elif bool(after.get("retired")) != bool(before.get("retired")):
        change = RETIRED if after.get("retired") else RESTORED
    else:
        change = CHANGED
    keys = [k for k in FIELD_ORDER if k != "id" and _as_text((before or {}).get(k)) != _as_text((after or {}).get(k))]
    fields = [{"field": k, "before": _as_text((before or {}).get(k)), "after": _as_text((after or {}).get(k))}
              for k in keys]
    if change == CHANGED and not fields:
        return None
    return {"entry": entry_id, "title": title, "change": change, "fields": fields}


def diff_versions(before: Sequence[dict], after: Sequence[dict]) -> list[dict]:
    """The per-entry changes between two versions' entries, in the order of ``after``."""
    old = {e.get("id"): e for e in before}
    new = {e.get("id"): e for e in after}
    changes = [entry_changes(old.get(i), e) for i, e in new.items()]
    changes += [entry_changes(e, None) for i, e in old.items() if i not in new]
    return [c for c in changes if c is not None]


def apply_draft(entries: Sequence[dict], draft_entry: dict) -> list[dict]:
    """``entries`` with the draft's entry in place of the one with its id (or appended)."""
    result = [dict(e) for e in entries]
    for index, entry in enumerate(result):
        if entry.get("id") == draft_entry.get("id"):
            result[index] = dict(draft_entry)
            return result
    return result + [dict(draft_entry)]


def clean_entry(raw: dict) -> dict:
    """A raw entry without empty optional fields, keys in the documented order."""
    order = {k: i for i, k in enumerate(ENTRY_KEYS)}
    cleaned = {k: v for k, v in raw.items() if v not in (None, "", [], {}) or k in ("primary",)}
    if not cleaned.get("retired"):
        cleaned.pop("retired", None)
    return dict(sorted(cleaned.items(), key=lambda kv: order.get(kv[0], len(order))))


def _version(row: Any) -> Version:
    content = row["content"] if isinstance(row["content"], dict) else json.loads(row["content"])
    return Version(row["id"], row["published_at"], row["published_by"], row["approved_by"], row["note"],
                   row["based_on"], list(content["entries"]), list(row["changes"] or []))


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _draft(row: Any) -> Draft:
    return Draft(**{k: row[k] for k in Draft.__dataclass_fields__})


class VersionStore:
    """Reads and writes versions and drafts on one engine; every write validated by ``validate``."""

    def __init__(self, engine: Engine, validate: Validate) -> None:
        self.engine = engine
        self.validate = validate

    # --- versions -------------------------------------------------------------------------------
    def live_id(self, conn: Optional[Connection] = None) -> Optional[int]:
        """The id of the live version (the newest), None before the first import."""
        statement = sa.select(sa.func.max(knowledge_versions.c.id))
        if conn is not None:
            return conn.execute(statement).scalar()
        with self.engine.connect() as own:
            return own.execute(statement).scalar()

    def get(self, version_id: int) -> Optional[Version]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(knowledge_versions).where(knowledge_versions.c.id == version_id)
                               ).mappings().first()
        return _version(row) if row else None

    def live(self) -> Optional[Version]:
        with self.engine.connect() as conn:
            version_id = self.live_id(conn)
        return self.get(version_id) if version_id is not None else None

    def versions(self, limit: int = 200) -> list[Version]:
        """The newest versions first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(knowledge_versions).order_by(knowledge_versions.c.id.desc()).limit(limit)
                                ).mappings().all()
        return [_version(r) for r in rows]

    def live_between(self, start: datetime, end: datetime) -> list[Version]:
        """The versions that were live at some time in [start, end), oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(knowledge_versions.c.id, knowledge_versions.c.published_at)
                                .order_by(knowledge_versions.c.id)).all()
        ids = []
        for index, (version_id, published) in enumerate(rows):
            until = rows[index + 1][1] if index + 1 < len(rows) else None
            if _aware(published) < end and (until is None or _aware(until) > start):
                ids.append(version_id)
        return [v for v in (self.get(i) for i in ids) if v is not None]

    def import_initial(self, entries: list[dict], by: str = "knowledge/") -> int:
        """Version 1 from ``entries`` (the files in knowledge/) unless a version exists; the live id.

        Several processes may start at once: the first insert of id 1 wins, the others read it.
        """
        live = self.live_id()
        if live is not None:
            return live
        try:
            self._publish(lambda before: entries, by, "Import av knowledge/", None, None, None, only_first=True)
        except VersionError as exc:
            if exc.code != "conflict":
                raise  # another process imported it first: its version 1 is live
        live = self.live_id()
        assert live is not None
        return live

    def publish(self, entries: list[dict], by: str, note: Optional[str] = None,
                approved_by: Optional[str] = None, based_on: Optional[int] = None) -> Version:
        """A new live version with ``entries``, validated first (KnowledgeError when invalid)."""
        return self._publish(lambda before: entries, by, note, approved_by, based_on)

    def _publish(self, make: Callable[[list[dict]], list[dict]], by: str, note: Optional[str],
                 approved_by: Optional[str], based_on: Optional[int],
                 after: Optional[Callable[[Connection, int], None]] = None, only_first: bool = False) -> Version:
        """Insert version live+1 with ``make(live entries)``, validated, in one transaction.

        The id is given explicitly, so of two editors publishing at the same moment one wins and
        the other's change is applied again onto the winner's version (a few tries), never lost.
        ``after`` runs in the same transaction (a draft marked published).
        """
        for attempt in range(PUBLISH_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    live_id = self.live_id(conn)
                    if only_first and live_id is not None:
                        raise VersionError("version 1 exists", "conflict")
                    before = self.get_in(conn, live_id).entries if live_id is not None else []
                    entries = make(before)
                    self.validate(entries)
                    changes = diff_versions(before, entries)
                    if not changes:
                        raise VersionError("nothing changed", "unchanged")
                    new_id = (live_id or 0) + 1
                    conn.execute(knowledge_versions.insert().values(
                        id=new_id, published_at=utcnow(), published_by=by, approved_by=approved_by, note=note,
                        based_on=based_on, content={"entries": entries}, changes=changes))
                    if after is not None:
                        after(conn, new_id)
                    return self.get_in(conn, new_id)
            except IntegrityError:
                if only_first or attempt == PUBLISH_ATTEMPTS - 1:
                    raise VersionError("another version was published at the same moment", "conflict") from None
        raise AssertionError("unreachable")

    def get_in(self, conn: Connection, version_id: int) -> Version:
        row = conn.execute(sa.select(knowledge_versions).where(knowledge_versions.c.id == version_id)
                           ).mappings().one()
        return _version(row)

    def rollback(self, version_id: int, by: str) -> Version:
        """Publish the content of the earlier version ``version_id`` as a new version."""
        old = self.get(version_id)
        if old is None:
            raise VersionError(f"version {version_id} does not exist", "no_version")
        return self.publish(old.entries, by, note=f"Återställning till version {version_id}", based_on=version_id)

    # --- drafts ---------------------------------------------------------------------------------
    def check_draft(self, entry: dict) -> list[dict]:
        """The live entries with ``entry`` applied, validated (KnowledgeError when invalid)."""
        live = self.live()
        entries = apply_draft(live.entries if live else [], clean_entry(entry))
        self.validate(entries)
        return entries

    def save_draft(self, entry: dict, author: str) -> Draft:
        """Save (or replace) the open draft of ``entry``'s id; refused unless the result validates."""
        entry = clean_entry(entry)
        self.check_draft(entry)
        now = utcnow()
        with self.engine.begin() as conn:
            current = conn.execute(sa.select(knowledge_drafts).where(
                knowledge_drafts.c.entry_id == entry["id"], knowledge_drafts.c.status.in_((OPEN, AWAITING)))
            ).mappings().first()
            if current is not None:
                conn.execute(knowledge_drafts.update().where(knowledge_drafts.c.id == current["id"]).values(
                    content=entry, status=OPEN, author=author, updated_at=now, requested_by=None))
                draft_id = current["id"]
            else:
                draft_id = conn.execute(knowledge_drafts.insert().values(
                    entry_id=entry["id"], content=entry, status=OPEN, author=author, created_at=now,
                    updated_at=now)).inserted_primary_key[0]
        draft = self.draft(draft_id)
        assert draft is not None
        return draft

    def draft(self, draft_id: int) -> Optional[Draft]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(knowledge_drafts).where(knowledge_drafts.c.id == draft_id)).mappings().first()
        return _draft(row) if row else None

    def open_drafts(self) -> list[Draft]:
        """Drafts not yet published or discarded, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(knowledge_drafts).where(knowledge_drafts.c.status.in_((OPEN, AWAITING)))
                                .order_by(knowledge_drafts.c.updated_at.desc())).mappings().all()
        return [_draft(r) for r in rows]

    def open_draft_of(self, entry_id: str) -> Optional[Draft]:
        return next((d for d in self.open_drafts() if d.entry_id == entry_id), None)

    def request_approval(self, draft_id: int, user: str) -> Draft:
        draft = self._open(draft_id)
        with self.engine.begin() as conn:
            conn.execute(knowledge_drafts.update().where(knowledge_drafts.c.id == draft.id).values(
                status=AWAITING, requested_by=user, updated_at=utcnow()))
        return self._open(draft_id)

    def publish_draft(self, draft_id: int, user: str, four_eyes: bool) -> Version:
        """Publish a draft onto the live version.

        With ``four_eyes`` the draft must await approval and ``user`` must be a second editor: neither
        its author nor who asked for approval.
        """
        draft = self._open(draft_id)
        approved_by = None
        if four_eyes:
            if draft.status != AWAITING:
                raise VersionError("the draft has not been sent for approval", "not_requested")
            if user in (draft.author, draft.requested_by):
                raise VersionError("a second editor must approve", "same_editor")
            approved_by = user

        def mark(conn: Connection, version_id: int) -> None:
            marked = conn.execute(knowledge_drafts.update().where(
                knowledge_drafts.c.id == draft.id, knowledge_drafts.c.status.in_((OPEN, AWAITING))).values(
                status=PUBLISHED, decided_by=user, version_id=version_id, updated_at=utcnow()))
            if marked.rowcount != 1:  # published or discarded meanwhile: this publication is undone
                raise VersionError(f"draft {draft.id} is not open", "no_draft")

        author = (draft.requested_by or draft.author) if four_eyes else user
        return self._publish(lambda live: apply_draft(live, draft.content), author, f"Ändring av {draft.entry_id}",
                             approved_by, None, after=mark)

    def discard_draft(self, draft_id: int, user: str) -> None:
        draft = self._open(draft_id)
        with self.engine.begin() as conn:
            conn.execute(knowledge_drafts.update().where(knowledge_drafts.c.id == draft.id).values(
                status=DISCARDED, decided_by=user, updated_at=utcnow()))

    def _open(self, draft_id: int) -> Draft:
        draft = self.draft(draft_id)
        if draft is None or draft.status not in (OPEN, AWAITING):
            raise VersionError(f"draft {draft_id} is not open", "no_draft")
        return draft


__all__ = ["VersionStore", "Version", "Draft", "VersionError", "KnowledgeError", "diff_versions", "apply_draft",
           "clean_entry", "entry_changes", "knowledge_versions", "knowledge_drafts", "metadata", "EDITORIAL_KEYS"]
