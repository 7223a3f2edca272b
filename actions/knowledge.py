"""The principles knowledge base: loading and validating ``knowledge/``.

Each topic file holds entries (see docs/knowledge.md for the format). The
base is loaded once when the action server starts; any broken entry raises
:class:`KnowledgeError` naming the file and the entry, so a bad edit stops
the server instead of producing wrong answers. Editing ``knowledge/`` needs
no code change and no retraining, only a restart of the action server.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

KINDS = ("strategy", "administration_view", "public_fact")
TAGS = ("capital", "nordic_capital", "eu_member", "nordic", "city", "country", "organisation")
# Topics answered from domain.yml responses rather than from principle entries.
CONVERSATIONAL_TOPICS = ("smalltalk", "out_of_scope")
ENTRY_KEYS = (
    "id", "topic", "primary", "title", "verdict", "answer", "conditions", "details", "counterview", "kind",
    "source", "section", "related", "keywords", "questions", "tailoring", "asks", "followups", "rule", "only_for",
    "counterview_source", "counterview_section",
)
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
    """A knowledge file or entry is invalid."""


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
        raise KnowledgeError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _str_list(raw: dict, key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: '{key}' must be a list of strings")
    return tuple(v.strip() for v in value)


def _tailoring(raw: dict, where: str) -> tuple[Tailoring, ...]:
    items = raw.get("tailoring") or []
    if not isinstance(items, list):
        raise KnowledgeError(f"{where}: 'tailoring' must be a list")
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise KnowledgeError(f"{where}: every tailoring item must be a mapping")
        if "counterpart" in item:
            result.append(Tailoring(when=None, counterpart=_require_str(item, "counterpart", where),
                                    text=_require_str(item, "text", where)))
            continue
        if item.get("when") not in TAGS:
            raise KnowledgeError(f"{where}: tailoring 'when' must be one of {', '.join(TAGS)} (or give 'counterpart')")
        result.append(Tailoring(when=item["when"], text=_require_str(item, "text", where)))
    return tuple(result)


def _optional_str(raw: dict, key: str, where: str) -> Optional[str]:
    if raw.get(key) is None:
        return None
    return _require_str(raw, key, where)


def _rule(raw: dict, where: str) -> Optional[Rule]:
    value = raw.get("rule")
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(RULE_KEYS):
        raise KnowledgeError(f"{where}: 'rule' must have exactly the fields {', '.join(RULE_KEYS)}")
    if value["fact"] not in RULE_FACTS:
        raise KnowledgeError(f"{where}: rule 'fact' must be one of {', '.join(RULE_FACTS)}")
    return Rule(**{k: _require_str(value, k, f"{where}: rule") for k in RULE_KEYS})


def _asks(raw: dict, where: str, asks: tuple[str, ...]) -> tuple[str, ...]:
    values = _str_list(raw, "asks", where)
    if not values:
        raise KnowledgeError(f"{where}: 'asks' must list at least one of {', '.join(asks)}")
    unknown = [a for a in values if a not in asks]
    if unknown:
        raise KnowledgeError(f"{where}: unknown ask(s) {', '.join(unknown)} (asks.yml has {', '.join(asks)})")
    return values


def parse_entry(
    raw: Any, path: Path, sources: dict[str, Source], topics: tuple[str, ...], asks: tuple[str, ...],
) -> Entry:
    """Validate one raw entry from ``path`` (``asks``: the ask ids of asks.yml)."""
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{path}: every entry must be a mapping")
    where = f"{path.name}: entry {raw.get('id', '<no id>')!r}"
    unknown = sorted(set(raw) - set(ENTRY_KEYS))
    if unknown:
        raise KnowledgeError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    entry_id = _require_str(raw, "id", where)
    topic = _require_str(raw, "topic", where)
    if topic not in topics or topic in CONVERSATIONAL_TOPICS:
        raise KnowledgeError(f"{where}: unknown topic {topic!r}")
    if path.stem != topic:
        raise KnowledgeError(f"{where}: topic {topic!r} belongs in {topic}.yml")
    kind = _require_str(raw, "kind", where)
    if kind not in KINDS:
        raise KnowledgeError(f"{where}: kind must be one of {', '.join(KINDS)}")
    source_key = _require_str(raw, "source", where)
    if source_key not in sources:
        raise KnowledgeError(f"{where}: source {source_key!r} is not in sources.yml")
    conditions = _str_list(raw, "conditions", where)
    answer = _require_str(raw, "answer", where)
    if VERDICT_OPENING.match(answer):
        raise KnowledgeError(f"{where}: 'answer' must not open with Ja/Nej; put the yes/no opening in 'verdict'")
    followups = _str_list(raw, "followups", where)
    counterview_cited = None
    if raw.get("counterview_source") is not None or raw.get("counterview_section") is not None:
        key = _require_str(raw, "counterview_source", where)
        if key not in sources or not raw.get("counterview"):
            raise KnowledgeError(f"{where}: 'counterview_source' must be a key of sources.yml, with a 'counterview'")
        counterview_cited = (sources[key], _require_str(raw, "counterview_section", where))
    if len(followups) > MAX_FOLLOWUPS or entry_id in followups:
        raise KnowledgeError(f"{where}: 'followups' lists at most {MAX_FOLLOWUPS} other entries")
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
        file=path.name,
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


def _version(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _check_consistency(entries: dict[str, Entry], topics: tuple[str, ...]) -> None:
    for entry in entries.values():
        for field_name, ids in (("related", entry.related), ("followups", entry.followups)):
            for other in ids:
                if other not in entries:
                    raise KnowledgeError(f"{entry.file}: entry {entry.id!r}: {field_name} {other!r} does not exist")
    for topic in topics:
        if topic in CONVERSATIONAL_TOPICS:
            continue
        primaries = [e for e in entries.values() if e.topic == topic and e.primary]
        if len(primaries) != 1:
            raise KnowledgeError(f"{topic}.yml: topic {topic!r} needs exactly one primary entry, has {len(primaries)}")


def load_ask_ids(directory: Path) -> tuple[str, ...]:
    """The ask ids defined in ``asks.yml`` (their cues are read by actions/selection/asks.py)."""
    path = directory / "asks.yml"
    data = _read_yaml(path) or {}
    if not isinstance(data.get("asks"), dict) or not data["asks"]:
        raise KnowledgeError(f"{path}: 'asks' must map ask ids to their cues")
    return tuple(data["asks"])


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and validate every file in ``directory``; raise KnowledgeError when broken."""
    topics = _load_topics(directory)
    asks = load_ask_ids(directory)
    sources = _load_sources(directory)
    labels_data = _read_yaml(directory / "topic-labels.yml") or {}
    labels = labels_data.get("labels") or {}
    missing_labels = [t for t in topics if t not in labels]
    if missing_labels:
        raise KnowledgeError(f"topic-labels.yml: no label for {', '.join(missing_labels)}")
    entries: dict[str, Entry] = {}
    files = sorted(p for p in directory.glob("*.yml") if p.name not in SPECIAL_FILES)
    for path in files:
        data = _read_yaml(path) or {}
        if not isinstance(data.get("entries"), list):
            raise KnowledgeError(f"{path.name}: must hold a list 'entries'")
        for raw in data["entries"]:
            entry = parse_entry(raw, path, sources, topics, asks)
            if entry.id in entries:
                raise KnowledgeError(f"{path.name}: entry {entry.id!r}: id already used in {entries[entry.id].file}")
            entries[entry.id] = entry
    _check_consistency(entries, topics)
    all_files = files + [directory / n for n in SPECIAL_FILES if (directory / n).exists()]
    return KnowledgeBase(entries=entries, labels=labels, topics=topics, version=_version(all_files))
