"""The knowledge editor's form: a raw entry as form values and back.

Lists are one item a line; tailoring is one line each, ``tag: text`` or
``motpart=Name: text``; the rule is four fields. :func:`entry_from_form`
builds the raw entry the validation (actions/knowledge.py) checks; nothing
here decides what is valid.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from actions.knowledge import RULE_KEYS

TEXT_FIELDS = ("title", "verdict", "answer", "details", "counterview", "kind", "source", "section",
               "counterview_source", "counterview_section", "owner", "review_by")
LIST_FIELDS = ("conditions", "keywords", "questions", "related", "followups", "asks", "only_for")
COUNTERPART_PREFIX = "motpart="


def _lines(text: Optional[str]) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _tailoring_lines(items: list[dict]) -> str:
    lines = []
    for item in items or []:
        head = f"{COUNTERPART_PREFIX}{item['counterpart']}" if item.get("counterpart") else str(item.get("when", ""))
        lines.append(f"{head}: {item.get('text', '')}")
    return "\n".join(lines)


def _tailoring(text: Optional[str]) -> list[Any]:
    items: list[Any] = []
    for line in _lines(text):
        head, sep, body = line.partition(":")
        if not sep:
            items.append(line)  # not "tag: text": left for the validation to refuse
            continue
        head, body = head.strip(), body.strip()
        if head.startswith(COUNTERPART_PREFIX):
            items.append({"counterpart": head[len(COUNTERPART_PREFIX):].strip(), "text": body})
        else:
            items.append({"when": head, "text": body})
    return items


def form_values(entry: Mapping[str, Any]) -> dict[str, str]:
    """The form's field values for a raw entry."""
    values = {key: "" if entry.get(key) is None else str(entry.get(key)) for key in TEXT_FIELDS}
    values.update({key: "\n".join(str(v) for v in entry.get(key) or []) for key in LIST_FIELDS})
    values["tailoring"] = _tailoring_lines(entry.get("tailoring") or [])
    rule = entry.get("rule") or {}
    values.update({f"rule_{key}": str(rule.get(key, "")) for key in RULE_KEYS})
    values["primary"] = "on" if entry.get("primary") else ""
    values["id"] = str(entry.get("id", ""))
    values["topic"] = str(entry.get("topic", ""))
    return values


def entry_from_form(form: Mapping[str, Optional[str]], base: Mapping[str, Any]) -> dict[str, Any]:
    """The raw entry the form describes; ``base`` gives what the form does not hold (id, topic, retired)."""
    entry: dict[str, Any] = {"id": base.get("id"), "topic": base.get("topic"), "primary": bool(base.get("primary"))}
    for key in TEXT_FIELDS:
        value = (form.get(key) or "").strip()
        entry[key] = value or None
    for key in LIST_FIELDS:
        entry[key] = _lines(form.get(key))
    entry["tailoring"] = _tailoring(form.get("tailoring"))
    rule = {key: (form.get(f"rule_{key}") or "").strip() for key in RULE_KEYS}
    entry["rule"] = rule if any(rule.values()) else None
    if base.get("retired"):
        entry["retired"] = True
    return entry
