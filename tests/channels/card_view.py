"""What a person sees on one of Lotsen's Adaptive Cards, as plain lines.

A small reader of the elements Lotsen's cards use (the same ones Teams
renders): text lines, headings, list items, the source, section breaks,
buttons and the thumbs. Tests assert on what an official reads instead of on
the card's JSON, and the reader refuses anything it does not know, so a
card element that Teams would show differently cannot slip through.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

KNOWN = {"Container", "RichTextBlock", "ColumnSet", "ActionSet"}


@dataclass
class Action:
    """One button as the official sees it, and what a click sends."""

    kind: str  # "submit", "showcard" or "url"
    title: str
    data: Optional[dict[str, Any]] = None
    url: Optional[str] = None
    card: Optional["CardView"] = None


@dataclass
class CardView:
    lines: list[str] = field(default_factory=list)  # "text: …", "heading: …", "item: …", "muted: …", "---"
    actions: list[Action] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)

    def button(self, title: str) -> Action:
        [found] = [a for a in self.actions if a.title == title]
        return found

    @property
    def texts(self) -> list[str]:
        return [line.split(": ", 1)[1] for line in self.lines if line != "---"]


def _text(block: dict[str, Any]) -> tuple[str, str]:
    assert block["type"] == "RichTextBlock", block
    inlines = block["inlines"]
    assert all(i["type"] == "TextRun" for i in inlines), "text outside a TextRun would be Markdown"
    text = "".join(i["text"] for i in inlines)
    style = inlines[0]
    if style.get("weight") == "Bolder":
        return "heading", text
    if style.get("isSubtle"):
        return "muted", text
    return "text", text


def _action(action: dict[str, Any]) -> Action:
    kind = action["type"]
    if kind == "Action.Submit":
        return Action("submit", action["title"], data=action["data"])
    if kind == "Action.OpenUrl":
        return Action("url", action["title"], url=action["url"])
    if kind == "Action.ShowCard":
        return Action("showcard", action["title"], card=read_card(action["card"]))
    raise AssertionError(f"unknown action {kind}")


def _walk(element: dict[str, Any], view: CardView) -> None:
    kind = element["type"]
    if kind == "Input.Text":
        view.inputs.append(element)
        return
    assert kind in KNOWN, f"unexpected card element {kind}"
    if element.get("separator") and view.lines:
        view.lines.append("---")
    if kind == "RichTextBlock":
        style, text = _text(element)
        view.lines.append(f"{style}: {text}")
    elif kind == "ColumnSet":
        bullet, item = element["columns"]
        [bullet_block], [item_block] = bullet["items"], item["items"]
        assert _text(bullet_block)[1] == "•"
        view.lines.append(f"item: {_text(item_block)[1]}")
    elif kind == "ActionSet":
        view.actions += [_action(a) for a in element["actions"]]
    else:
        for item in element["items"]:
            _walk(item, view)


def read_card(card: dict[str, Any]) -> CardView:
    """The lines and buttons of a card, in reading order."""
    assert card["type"] == "AdaptiveCard"
    view = CardView()
    for element in card["body"]:
        _walk(element, view)
    view.actions += [_action(a) for a in card.get("actions", [])]
    return view


def submitted_value(action: Action, inputs: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """The ``value`` Teams sends for a plain ``Action.Submit``: its data plus the card's inputs."""
    assert action.kind == "submit" and action.data is not None
    value = {k: v for k, v in action.data.items() if k != "msteams"}
    return {**value, **(inputs or {})}


def message_back(action: Action) -> tuple[str, Any]:
    """The ``text`` and ``value`` Teams sends for a click on a messageBack button."""
    assert action.kind == "submit" and action.data is not None
    back = action.data["msteams"]
    assert back["type"] == "messageBack" and back["displayText"] == action.title
    return back["text"], back.get("value")
