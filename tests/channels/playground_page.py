"""The Agents Playground's page as a person uses it: type in the chat box,
read the bot's Adaptive Cards, click their buttons.

A :class:`~tests.widget.driver.WidgetPage` (real keyboard, waiting for a
condition in the page) that knows the Playground's markup: the chat box is a
Lexical editor, every bot message is an ``.ac-adaptiveCard`` (cards a
``Action.ShowCard`` opens are nested inside theirs), buttons carry their
title.
"""
from __future__ import annotations

import contextlib
import time
from typing import Any, Iterator

from tests.support.playground import LOOPBACK_ONLY_ARGS
from tests.widget.driver import BrowserError, WidgetPage, widget_page

CHAT_BOX = '[data-lexical-editor="true"]'
# The top-level cards in the order shown, each marked with its index so a
# click can be aimed at one card's button.
CARDS_JS = """() => [...document.querySelectorAll('.ac-adaptiveCard')]
  .filter((card) => !card.parentElement.closest('.ac-adaptiveCard'))
  .map((card, i) => { card.dataset.lotsenCard = String(i); return card; })"""


class PlaygroundPage(WidgetPage):
    """The Playground's chat with Lotsen."""

    def send(self, text: str) -> None:
        """Type ``text`` into the chat box and press Enter, as a person does."""
        self.click(CHAT_BOX)
        self.type(text)
        self.press("Enter")

    def card_texts(self) -> list[str]:
        return self.evaluate(f"() => ({CARDS_JS})().map((card) => card.innerText)")

    def wait_for_card(self, containing: str, after: int = 0) -> int:
        """Wait until a card after the first ``after`` contains ``containing``; its index."""
        script = f"([after, text]) => ({CARDS_JS})().slice(after).some((c) => c.innerText.includes(text))"
        self.wait_for(script, [after, containing])
        texts = self.card_texts()
        return next(i for i in range(after, len(texts)) if containing in texts[i])

    def wait_for_new_card(self, after: int) -> int:
        """Wait until there are more than ``after`` cards; the index of the first new one."""
        self.wait_for(f"(after) => ({CARDS_JS})().length > after", after)
        return after

    def click_button(self, card: int, title: str) -> None:
        """A real mouse click on the button titled ``title`` in card ``card``."""
        self.evaluate(f"() => {{ ({CARDS_JS})(); return null; }}")  # (re)number the cards
        self.click(f'[data-lotsen-card="{card}"] button[title="{title}"]')

    def fill_in_card(self, card: int, value: str) -> None:
        self.click(f'[data-lotsen-card="{card}"] :is(input[type="text"], input:not([type]), textarea)')
        self.type(value)

    def text_blocks(self, card: int) -> list[dict[str, Any]]:
        """Card ``card``'s text blocks in document order: text and where each is drawn."""
        return self.evaluate(
            f"""(index) => {{
              const card = ({CARDS_JS})()[index];
              card.scrollIntoView({{ block: 'center' }});
              return [...card.querySelectorAll('.ac-textBlock, .ac-richTextBlock')].map((block) => {{
                const r = block.getBoundingClientRect();
                return {{ text: block.innerText.trim(), top: r.top, bottom: r.bottom, left: r.left }};
              }});
            }}""",
            card,
        )

    def wait_for_console_error(self, containing: str, timeout: float = 20.0) -> list[str]:
        """The page's console errors until one contains ``containing``."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while not any(containing in error for error in seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"no console error with {containing!r}; seen: {seen}")
            seen += self.console_errors()
            time.sleep(0.2)
        return seen

    def widget_state(self) -> Any:
        """What the Playground shows (for failure messages): every card's text."""
        try:
            return [text[:300] for text in self.card_texts()]
        except BrowserError as exc:
            return f"(unavailable: {exc})"


@contextlib.contextmanager
def playground_page(width: int = 1280, height: int = 1100) -> Iterator[PlaygroundPage]:
    """A :class:`PlaygroundPage` in headless Debian Chromium that resolves no host but this one."""
    with widget_page(width, height, page_class=PlaygroundPage, extra_args=LOOPBACK_ONLY_ARGS) as page:
        yield page
