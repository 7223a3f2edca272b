"""The one place that turns Lotsen's composed answers into Teams' form, and
Teams' card clicks back into the messages Lotsen understands.

The actions compose every reply as plain text (``actions/answering.py``,
``actions/assessment.py``); this module reads only its layout, never its
wording, so it keeps working when the composition changes:

* the first line(s) are the answer (a leading notice such as "Det finns inget
  svar på just det i kunskapsbasen." is simply one more line);
* a line starting with ``• `` is a condition (an item of a list);
* a line starting with ``Källa:`` is the source;
* a blank line separates sections (the assessment memo);
* a line ending with ``:`` that is not the last heads what follows
  ("Talar emot:", "Källor:").

The markers and every word an official reads on a card are in
``channels/teams_text.yml``. The widget renders the same text itself, and
REST clients get it unchanged.

Each bot response becomes one Adaptive Card (version 1.2, which Teams renders
on desktop, web and mobile):

* Every piece of text is a ``TextRun`` in a ``RichTextBlock``. Unlike a
  ``TextBlock``, a TextRun is never read as Markdown, so nothing in a
  knowledge entry or in an official's own words can bold, link or restructure
  the card; the card is a dict serialised as JSON, never text pasted into a
  template. That is the escaping, and it holds for any text.
* Conditions are one row each, the bullet in a column of its own, so a
  condition that wraps stays indented like a list item.
* The source is a line of its own, set apart; each section is a container
  with a separator.
* Buttons are ``Action.Submit`` whose data carries Teams' ``messageBack``
  (Teams shows the title as the official's message and sends the payload as
  the text, as a typed choice) and the payload itself (clients that only know
  plain ``Action.Submit`` send the data as ``value``). Link buttons open the
  link.
* An answer ends with "Hjälpte svaret?" and thumbs up and down; down opens an
  optional comment. A click comes back as the widget's
  ``/feedback{"feedback_value": ..., "record_id": ..., "feedback_comment": ...}``.

``fallbackText`` and the activity's ``summary`` carry the plain text for
notifications, screen readers and clients without cards.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Mapping, Optional, Sequence

import yaml

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.2"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
TEXT_FILE = Path(__file__).with_name("teams_text.yml")

# Keys of the data a Lotsen card sends back on a click.
PAYLOAD_KEY = "lotsen_payload"
STAMP_KEY = "lotsen_reply_to"  # the id of the official's message the card answered
FEEDBACK_KEY = "lotsen_feedback"
RECORD_KEY = "lotsen_record_id"
COMMENT_KEY = "lotsen_comment"
LEGACY_PAYLOAD_KEY = "payload"  # hero cards sent before the Adaptive Cards

FEEDBACK_VALUES = ("up", "down")
MAX_COMMENT_LENGTH = 1000  # as actions/feedback_action.py stores it
RECORD_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # as the widget accepts one
MAX_ROW_TITLE = 16  # a short choice ("Ja", "Nej") shares a row; longer ones get one each
MAX_SHARED_ROW = 3
MAX_SUMMARY = 200

BlockKind = Literal["line", "heading", "bullets", "source"]


class FormatError(ValueError):
    """``channels/teams_text.yml`` is missing or incomplete."""


@dataclass(frozen=True)
class Wording:
    """The markers of the composed text and the Swedish words on the cards."""

    bullet: str
    source_prefixes: tuple[str, ...]
    feedback_question: str
    thumbs_up: str
    thumbs_down: str
    comment_label: str
    comment_placeholder: str
    comment_send: str
    stale_choice: str

    @classmethod
    def load(cls, path: Path = TEXT_FILE) -> "Wording":
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            markers, feedback = data["markers"], data["feedback"]
            return cls(
                bullet=str(markers["bullet"]),
                source_prefixes=tuple(str(p) for p in markers["source"]),
                feedback_question=str(feedback["question"]),
                thumbs_up=str(feedback["up"]),
                thumbs_down=str(feedback["down"]),
                comment_label=str(feedback["comment_label"]),
                comment_placeholder=str(feedback["comment_placeholder"]),
                comment_send=str(feedback["send"]),
                stale_choice=str(data["stale_choice"]),
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise FormatError(f"{path}: invalid Teams wording file: {exc!r}") from exc


@lru_cache(maxsize=1)
def wording() -> Wording:
    return Wording.load()


@dataclass(frozen=True)
class Block:
    """One part of a section: a line, a heading, a list or the source."""

    kind: BlockKind
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Reply:
    """One bot response as the actions composed it, and what the card adds."""

    text: str
    buttons: tuple[Mapping[str, Any], ...] = ()
    feedback: bool = False
    record_id: Optional[str] = None
    stamp: Optional[str] = None  # id of the message this reply answers; its choices are valid until the next


@dataclass(frozen=True)
class Incoming:
    """What an incoming activity says, read from its text or a card's ``value``."""

    text: str
    choice: bool = False  # a click on a choice button: only valid on the latest card
    stamp: Optional[str] = None  # the message that card answered (None: a card without one)


# -- reading the composed text ------------------------------------------------


def parse(text: str, words: Optional[Wording] = None) -> list[list[Block]]:
    """The sections of a composed text, each a list of blocks."""
    words = words or wording()
    chunks = [c for c in re.split(r"\n[ \t]*\n", text.strip()) if c.strip()]
    sections: list[list[Block]] = []
    for number, chunk in enumerate(chunks):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        blocks: list[Block] = []
        for index, line in enumerate(lines):
            last = number == len(chunks) - 1 and index == len(lines) - 1
            if line.startswith(words.bullet):
                item = line[len(words.bullet):].strip()
                if blocks and blocks[-1].kind == "bullets":
                    blocks[-1] = Block("bullets", blocks[-1].lines + (item,))
                else:
                    blocks.append(Block("bullets", (item,)))
            elif line.startswith(words.source_prefixes):
                blocks.append(Block("source", (line,)))
            elif line.endswith(":") and not last:
                blocks.append(Block("heading", (line,)))
            else:
                blocks.append(Block("line", (line,)))
        sections.append(blocks)
    return sections


def is_answer(text: str, words: Optional[Wording] = None) -> bool:
    """Whether a composed text cites a source (a principle answer)."""
    return any(b.kind == "source" for s in parse(text, words) for b in s)


def plain_text(text: str) -> str:
    """The composed text as it is, trimmed: what notifications and screen readers get."""
    return text.strip()


# -- the card -----------------------------------------------------------------


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _rich(text: str, *, spacing: Optional[str] = None, **style: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "RichTextBlock", "inlines": [_run(text, **style)]}
    if spacing:
        block["spacing"] = spacing
    return block


def _list(items: Sequence[str], bullet: str) -> dict[str, Any]:
    rows = [
        {
            "type": "ColumnSet",
            "spacing": "Small",
            "columns": [
                {"type": "Column", "width": "auto", "items": [_rich(bullet)]},
                {"type": "Column", "width": "stretch", "items": [_rich(item)]},
            ],
        }
        for item in items
    ]
    return {"type": "Container", "spacing": "Small", "items": rows}


def _block(block: Block, words: Wording) -> dict[str, Any]:
    if block.kind == "bullets":
        return _list(block.lines, words.bullet.strip())
    [line] = block.lines
    if block.kind == "source":
        return _rich(line, spacing="Medium", isSubtle=True)
    if block.kind == "heading":
        return _rich(line, spacing="Medium", weight="Bolder")
    return _rich(line, spacing="Small")


def choice_action(button: Mapping[str, Any], stamp: Optional[str] = None) -> dict[str, Any]:
    """The card action for one Rasa button: the payload goes back as a typed choice would,
    with the id of the message the card answered (``stamp``) to tell a current card from an old one."""
    title = str(button.get("title") or button.get("payload") or "")
    url = button.get("url")
    if url:
        return {"type": "Action.OpenUrl", "title": title, "url": str(url)}
    payload = str(button.get("payload") or title)
    value = {PAYLOAD_KEY: payload, **({STAMP_KEY: stamp} if stamp else {})}
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {
            **value,
            "msteams": {"type": "messageBack", "displayText": title, "text": payload, "value": value},
        },
    }


def _choices(buttons: Sequence[Mapping[str, Any]], stamp: Optional[str]) -> list[dict[str, Any]]:
    actions = [choice_action(b, stamp) for b in buttons]
    if len(actions) <= MAX_SHARED_ROW and all(len(a["title"]) <= MAX_ROW_TITLE for a in actions):
        return [{"type": "ActionSet", "actions": actions}]
    # One button per row: Teams cuts long titles in a shared row and hides
    # buttons past the first few in an overflow menu.
    return [{"type": "ActionSet", "spacing": "Small", "actions": [a]} for a in actions]


def _feedback_data(value: str, record_id: Optional[str]) -> dict[str, str]:
    data = {FEEDBACK_KEY: value}
    if record_id and RECORD_ID.match(record_id):
        data[RECORD_KEY] = record_id
    return data


def _feedback(record_id: Optional[str], words: Wording) -> dict[str, Any]:
    comment_card = {
        "type": "AdaptiveCard",
        "body": [
            _rich(words.comment_label),
            {
                "type": "Input.Text",
                "id": COMMENT_KEY,
                "isMultiline": True,
                "maxLength": MAX_COMMENT_LENGTH,
                "placeholder": words.comment_placeholder,
            },
        ],
        "actions": [
            {"type": "Action.Submit", "title": words.comment_send,
             "data": _feedback_data("down", record_id)},
        ],
    }
    return {
        "type": "Container",
        "spacing": "Medium",
        "separator": True,
        "items": [
            _rich(words.feedback_question, isSubtle=True),
            {
                "type": "ActionSet",
                "actions": [
                    {"type": "Action.Submit", "title": words.thumbs_up,
                     "data": _feedback_data("up", record_id)},
                    {"type": "Action.ShowCard", "title": words.thumbs_down, "card": comment_card},
                ],
            },
        ],
    }


def adaptive_card(reply: Reply, words: Optional[Wording] = None) -> dict[str, Any]:
    """The Adaptive Card for one bot response."""
    words = words or wording()
    body: list[dict[str, Any]] = []
    for number, section in enumerate(parse(reply.text, words)):
        container: dict[str, Any] = {"type": "Container", "items": [_block(b, words) for b in section]}
        if number:
            container.update(spacing="Large", separator=True)
        body.append(container)
    if reply.buttons:
        body += _choices(reply.buttons, reply.stamp)
    if reply.feedback:
        body.append(_feedback(reply.record_id, words))
    return {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "fallbackText": plain_text(reply.text),
        "body": body,
    }


def message_content(reply: Reply, words: Optional[Wording] = None) -> dict[str, Any]:
    """The parts of a Bot Framework message activity that carry ``reply``."""
    first_line = next((line.strip() for line in reply.text.splitlines() if line.strip()), "")
    return {
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": adaptive_card(reply, words)}],
        "summary": first_line[:MAX_SUMMARY],
    }


# -- clicks back into messages --------------------------------------------------


def feedback_message(value: str, record_id: Optional[str], comment: Optional[str]) -> str:
    """The widget's feedback message (widget/src: ``feedbackMessage``), same JSON."""
    entities: dict[str, str] = {"feedback_value": value}
    if record_id:
        entities["record_id"] = record_id
    text = " ".join((comment or "").split())[:MAX_COMMENT_LENGTH]
    if text:
        entities["feedback_comment"] = text
    return "/feedback" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def read_incoming(value: Any, typed: str) -> Incoming:
    """The Rasa message for an incoming activity: what a Lotsen card's click
    means (its ``value``), else what the official typed.

    A choice button gives its payload, exactly the text a typed choice or the
    widget sends, and is marked as a choice with the id of the message its
    card answered: the connector passes it on only while that card is the
    latest (as the widget removes its buttons once the official says
    anything). A thumb gives the widget's feedback message and stays valid on
    every answer. Hero cards of an earlier version (``{"payload": ...}``)
    count as choices without a stamp.
    """
    if not isinstance(value, Mapping):
        return Incoming(typed)
    payload = value.get(PAYLOAD_KEY)
    if isinstance(payload, str) and payload.strip():
        stamp = value.get(STAMP_KEY)
        return Incoming(payload, choice=True, stamp=stamp if isinstance(stamp, str) and stamp else None)
    vote = value.get(FEEDBACK_KEY)
    if vote in FEEDBACK_VALUES:
        record_id = value.get(RECORD_KEY)
        comment = value.get(COMMENT_KEY)
        return Incoming(feedback_message(
            vote,
            record_id if isinstance(record_id, str) and RECORD_ID.match(record_id) else None,
            comment if isinstance(comment, str) and vote == "down" else None,
        ))
    legacy = value.get(LEGACY_PAYLOAD_KEY)
    if isinstance(legacy, str) and legacy.strip():
        return Incoming(legacy, choice=True)
    return Incoming(typed)


def text_of_submit(value: Any, typed: str) -> str:
    """Just the text of :func:`read_incoming`."""
    return read_incoming(value, typed).text
