"""The principles knowledge base: loading and validating ``knowledge/``.

Each topic file holds entries (see docs/knowledge.md for the format). The
files are the first version of the knowledge; later versions live in the
records database (actions/knowledge_versions.py) and are validated by the
same code: :func:`build_knowledge` takes raw entries (from files or from a
version's JSON) plus the :class:`KnowledgeFrame` read from ``knowledge/``
(topics, sources, asks, labels). Any broken entry raises
:class:`KnowledgeError` naming the file, the entry and (``field``, ``code``)
what is wrong, so a bad edit stops the server, or is refused by the editor,
instead of producing wrong answers.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml

KINDS = ("strategy", "administration_view", "public_fact")
TAGS = ("capital", "nordic_capital", "eu_member", "nordic", "city", "country", "organisation")
# Topics answered from domain.yml responses rather than from principle entries.
CONVERSATIONAL_TOPICS = ("smalltalk", "out_of_scope")
ENTRY_KEYS = (
    "id", "topic", "primary", "title", "verdict", "answer", "conditions", "details", "counterview", "kind",
    "source", "section", "related", "keywords", "questions", "tailoring", "asks", "followups", "rule", "only_for",
    "counterview_source", "counterview_section", "owner", "review_by", "retired",
)
# Editorial fields: who owns an entry (a function, never a person), when it is next reviewed, and
# whether it is retired (kept readable for old records, never answers).
EDITORIAL_KEYS = ("owner", "review_by", "retired")
# Facts about the official's case that a conditional entry's `rule` can be checked against
# (actions/selection/case_facts.py reads each from the message).
RULE_FACTS = ("cost_coverage", "agreement_kind", "supports_operation")
RULE_KEYS = ("fact", "holds", "breaks", "unstated")
MAX_FOLLOWUPS = 3
# An answer opens with its substance; the yes/no opening is the entry's `verdict`,
# shown only for yes/no questions (docs/knowledge.md, "How an answer opens").
VERDICT_OPENING = re.compile(r"^(ja|nej)\b", re.IGNORECASE)
# Files in knowledge/ that are not topic files (each read by its own loader).
SPECIAL_FILES = (
    "sources.yml", "topic-labels.yml", "topics.yml", "presentation.yml", "assessment.yml", "synonyms.yml",
    "asks.yml", "case_facts.yml", "followups.yml",
)


class KnowledgeError(ValueError):
    """A knowledge file or entry is invalid.

    ``field`` names the entry's field at fault and ``code`` the kind of fault (the review
    app's editor turns both into a Swedish message, review/editor_labels.py); ``entry`` the id.
    """

    def __init__(self, message: str, field: Optional[str] = None, code: Optional[str] = None,
                 entry: Optional[str] = None) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.entry = entry


@dataclass(frozen=True)
class Tailoring:
    """One extra sentence, for a counterpart tag (``when``) or one named counterpart."""

    when: Optional[str]
    text: str
    counterpart: Optional[str] = None


@dataclass(frozen=True)
class Rule:
    """A condition the answer applies to the official's case (``fact`` read from the message)."""

    fact: str
    holds: str
    breaks: str
    unstated: str


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    publisher: Optional[str] = None


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    title: str
    answer: str
    conditions: tuple[str, ...]
    kind: str
    source: Source
    section: str
    primary: bool = False
    details: Optional[str] = None
    related: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    # Other ways officials ask what the entry answers (for the knowledge search only).
    questions: tuple[str, ...] = ()
    tailoring: tuple[Tailoring, ...] = ()
    verdict: Optional[str] = None
    counterview: Optional[str] = None
    # Where the other voice comes from when not from the entry's own source (source, section).
    counterview_cited: Optional[tuple[Source, str]] = None
    asks: tuple[str, ...] = ()
    followups: tuple[str, ...] = ()
    rule: Optional[Rule] = None
    only_for: tuple[str, ...] = ()
    file: str = ""
    owner: Optional[str] = None
    review_by: Optional[str] = None  # ISO date


@dataclass
class KnowledgeBase:
    entries: dict[str, Entry]
    labels: dict[str, str]
    topics: tuple[str, ...]
    version: str
    by_topic: dict[str, list[Entry]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.entries.values():
            self.by_topic.setdefault(entry.topic, []).append(entry)

    def primary(self, topic: str) -> Entry:
        """The default entry that answers ``topic``."""
        return next(e for e in self.by_topic[topic] if e.primary)

    def label(self, topic: str) -> str:
        return self.labels.get(topic, topic)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read YAML: {exc}") from exc


def _require_str(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: '{key}' must be a non-empty string", key, "required")
    return value.strip()


def _str_list(raw: dict, key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: '{key}' must be a list of strings", key, "list")
    return tuple(v.strip() for v in value)


def _tailoring(raw: dict, where: str) -> tuple[Tailoring, ...]:
    items = raw.get("tailoring") or []
    if not isinstance(items, list):
        raise KnowledgeError(f"{where}: 'tailoring' must be a list", "tailoring", "tailoring")
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise KnowledgeError(f"{where}: every tailoring item must be a mapping", "tailoring", "tailoring")
        if "counterpart" in item:
            result.append(Tailoring(when=None, counterpart=_tailoring_str(item, "counterpart", where),
                                    text=_tailoring_str(item, "text", where)))
            continue
        if item.get("when") not in TAGS:
            raise KnowledgeError(f"{where}: tailoring 'when' must be one of {', '.join(TAGS)} (or give 'counterpart')",
                                 "tailoring", "tailoring")
        result.append(Tailoring(when=item["when"], text=_tailoring_str(item, "text", where)))
    return tuple(result)


def _tailoring_str(item: dict, key: str, where: str) -> str:
    try:
        return _require_str(item, key, f"{where}: tailoring")
    except KnowledgeError as exc:
        raise KnowledgeError(str(exc), "tailoring", "tailoring") from None


def _optional_str(raw: dict, key: str, where: str) -> Optional[str]:
    if raw.get(key) is None:
        return None
    return _require_str(raw, key, where)


def _rule(raw: dict, where: str) -> Optional[Rule]:
    value = raw.get("rule")
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(RULE_KEYS):
        raise KnowledgeError(f"{where}: 'rule' must have exactly the fields {', '.join(RULE_KEYS)}", "rule", "rule")
    if value["fact"] not in RULE_FACTS:
        raise KnowledgeError(f"{where}: rule 'fact' must be one of {', '.join(RULE_FACTS)}", "rule", "rule")
    try:
        return Rule(**{k: _require_str(value, k, f"{where}: rule") for k in RULE_KEYS})
    except KnowledgeError as exc:
        raise KnowledgeError(str(exc), "rule", "rule") from None


def _asks(raw: dict, where: str, asks: tuple[str, ...]) -> tuple[str, ...]:
    values = _str_list(raw, "asks", where)
    if not values:
        raise KnowledgeError(f"{where}: 'asks' must list at least one of {', '.join(asks)}", "asks", "asks")
    unknown = [a for a in values if a not in asks]
    if unknown:
        raise KnowledgeError(f"{where}: unknown ask(s) {', '.join(unknown)} (asks.yml has {', '.join(asks)})",
                             "asks", "asks")
    return values


def _review_by(raw: dict, where: str) -> Optional[str]:
    value = raw.get("review_by")
    if value is None or value == "":
        return None
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    try:
        date.fromisoformat(text)
    except ValueError:
        raise KnowledgeError(f"{where}: 'review_by' must be a date (YYYY-MM-DD)", "review_by", "date") from None
    return text


def parse_entry(
    raw: Any, path: Path | str, sources: dict[str, Source], topics: tuple[str, ...], asks: tuple[str, ...],
) -> Entry:
    """Validate one raw entry of the topic file ``path`` (``asks``: the ask ids of asks.yml)."""
    name = Path(path).name
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{name}: every entry must be a mapping", None, "mapping")
    entry_id = raw.get("id")
    where = f"{name}: entry {raw.get('id', '<no id>')!r}"
    try:
        return _parse_entry(raw, name, where, sources, topics, asks)
    except KnowledgeError as exc:
        exc.entry = entry_id if isinstance(entry_id, str) else None
        raise


def _parse_entry(raw: dict, name: str, where: str, sources: dict[str, Source], topics: tuple[str, ...],
                 asks: tuple[str, ...]) -> Entry:
    unknown = sorted(set(raw) - set(ENTRY_KEYS))
    if unknown:
        raise KnowledgeError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}", str(unknown[0]), "unknown")
    entry_id = _require_str(raw, "id", where)
    topic = _require_str(raw, "topic", where)
    if topic not in topics or topic in CONVERSATIONAL_TOPICS:
        raise KnowledgeError(f"{where}: unknown topic {topic!r}", "topic", "unknown_topic")
    if Path(name).stem != topic:
        raise KnowledgeError(f"{where}: topic {topic!r} belongs in {topic}.yml", "topic", "wrong_file")
    kind = _require_str(raw, "kind", where)
    if kind not in KINDS:
        raise KnowledgeError(f"{where}: kind must be one of {', '.join(KINDS)}", "kind", "kind")
    source_key = _require_str(raw, "source", where)
    if source_key not in sources:
        raise KnowledgeError(f"{where}: source {source_key!r} is not in sources.yml", "source", "unknown_source")
    conditions = _str_list(raw, "conditions", where)
    answer = _require_str(raw, "answer", where)
    if VERDICT_OPENING.match(answer):
        raise KnowledgeError(f"{where}: 'answer' must not open with Ja/Nej; put the yes/no opening in 'verdict'",
                             "answer", "verdict_opening")
    followups = _str_list(raw, "followups", where)
    counterview_cited = None
    if raw.get("counterview_source") is not None or raw.get("counterview_section") is not None:
        key = _require_str(raw, "counterview_source", where)
        if key not in sources or not raw.get("counterview"):
            raise KnowledgeError(f"{where}: 'counterview_source' must be a key of sources.yml, with a 'counterview'",
                                 "counterview_source", "counterview_source")
        counterview_cited = (sources[key], _require_str(raw, "counterview_section", where))
    if len(followups) > MAX_FOLLOWUPS or entry_id in followups:
        raise KnowledgeError(f"{where}: 'followups' lists at most {MAX_FOLLOWUPS} other entries",
                             "followups", "followups")
    return Entry(
        id=entry_id, topic=topic, title=_require_str(raw, "title", where),
        answer=answer, conditions=conditions, kind=kind,
        source=sources[source_key], section=_require_str(raw, "section", where),
        primary=bool(raw.get("primary", False)),
        details=raw.get("details") or None, related=_str_list(raw, "related", where),
        keywords=tuple(k.lower() for k in _str_list(raw, "keywords", where)),
        questions=_str_list(raw, "questions", where),
        tailoring=_tailoring(raw, where), verdict=_optional_str(raw, "verdict", where),
        counterview=_optional_str(raw, "counterview", where), counterview_cited=counterview_cited,
        asks=_asks(raw, where, asks),
        followups=followups, rule=_rule(raw, where), only_for=_str_list(raw, "only_for", where),
        file=name, owner=_optional_str(raw, "owner", where), review_by=_review_by(raw, where),
    )


def _load_sources(directory: Path) -> dict[str, Source]:
    path = directory / "sources.yml"
    data = _read_yaml(path) or {}
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, dict) or not raw_sources:
        raise KnowledgeError(f"{path}: 'sources' must map keys to sources")
    return {
        key: Source(key=key, title=_require_str(value, "title", f"{path.name}: {key}"),
                    publisher=value.get("publisher"))
        for key, value in raw_sources.items()
    }


def _load_topics(directory: Path) -> tuple[str, ...]:
    path = directory / "topics.yml"
    data = _read_yaml(path) or {}
    if not isinstance(data.get("topics"), dict):
        raise KnowledgeError(f"{path}: 'topics' must map topic ids to descriptions")
    return tuple(data["topics"])


def content_digest(raw_entries: Sequence[dict]) -> str:
    """A short digest of raw entries (the version of knowledge not yet in the database)."""
    text = json.dumps(list(raw_entries), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _check_consistency(entries: dict[str, Entry], topics: tuple[str, ...]) -> None:
    for entry in entries.values():
        for field_name, ids in (("related", entry.related), ("followups", entry.followups)):
            for other in ids:
                if other not in entries:
                    raise KnowledgeError(f"{entry.file}: entry {entry.id!r}: {field_name} {other!r} does not exist",
                                         field_name, "missing_reference", entry.id)
    for topic in topics:
        if topic in CONVERSATIONAL_TOPICS:
            continue
        primaries = [e for e in entries.values() if e.topic == topic and e.primary]
        if len(primaries) != 1:
            raise KnowledgeError(f"{topic}.yml: topic {topic!r} needs exactly one primary entry, has {len(primaries)}",
                                 "primary", "primary_count", primaries[-1].id if primaries else None)


def load_ask_ids(directory: Path) -> tuple[str, ...]:
    """The ask ids defined in ``asks.yml`` (their cues are read by actions/selection/asks.py)."""
    path = directory / "asks.yml"
    data = _read_yaml(path) or {}
    if not isinstance(data.get("asks"), dict) or not data["asks"]:
        raise KnowledgeError(f"{path}: 'asks' must map ask ids to their cues")
    return tuple(data["asks"])


@dataclass(frozen=True)
class KnowledgeFrame:
    """What entries are validated against, read from ``knowledge/``: topics, sources, asks, labels."""

    topics: tuple[str, ...]
    asks: tuple[str, ...]
    sources: dict[str, Source]
    labels: dict[str, str]

    @classmethod
    def load(cls, directory: Path) -> "KnowledgeFrame":
        topics = _load_topics(directory)
        labels_data = _read_yaml(directory / "topic-labels.yml") or {}
        labels = labels_data.get("labels") or {}
        missing_labels = [t for t in topics if t not in labels]
        if missing_labels:
            raise KnowledgeError(f"topic-labels.yml: no label for {', '.join(missing_labels)}")
        return cls(topics, load_ask_ids(directory), _load_sources(directory), labels)


def topic_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yml") if p.name not in SPECIAL_FILES)


def read_entries(directory: Path) -> list[tuple[str, Any]]:
    """The raw entries of every topic file with their file names, in file order (not yet validated)."""
    raw_entries: list[tuple[str, Any]] = []
    for path in topic_files(directory):
        data = _read_yaml(path) or {}
        if not isinstance(data.get("entries"), list):
            raise KnowledgeError(f"{path.name}: must hold a list 'entries'")
        raw_entries += [(path.name, raw) for raw in data["entries"]]
    return raw_entries


def build_knowledge(raw_entries: Sequence[Any], frame: KnowledgeFrame, version: str) -> KnowledgeBase:
    """Validate raw entries (a stored version's, each in the file of its topic) into a knowledge base.

    Retired entries (``retired: true``) are validated too but do not answer; an entry that
    refers to a retired one is refused like one that refers to a missing one.
    """
    files = [f"{raw.get('topic')}.yml" if isinstance(raw, dict) else "?" for raw in raw_entries]
    return _build(list(zip(files, raw_entries)), frame, version)


def _build(raw_entries: Sequence[tuple[str, Any]], frame: KnowledgeFrame, version: str) -> KnowledgeBase:
    entries: dict[str, Entry] = {}
    seen: dict[str, str] = {}
    for file, raw in raw_entries:
        entry = parse_entry(raw, file, frame.sources, frame.topics, frame.asks)
        if entry.id in seen:
            raise KnowledgeError(f"{entry.file}: entry {entry.id!r}: id already used in {seen[entry.id]}",
                                 "id", "duplicate_id", entry.id)
        seen[entry.id] = entry.file
        if not raw.get("retired"):
            entries[entry.id] = entry
    _check_consistency(entries, frame.topics)
    return KnowledgeBase(entries=entries, labels=frame.labels, topics=frame.topics, version=version)


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and validate every file in ``directory``; raise KnowledgeError when broken."""
    frame = KnowledgeFrame.load(directory)
    raw_entries = read_entries(directory)
    return _build(raw_entries, frame, content_digest([raw for _, raw in raw_entries]))
