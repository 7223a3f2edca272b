"""Headless Debian Chromium for the widget tests, driven by Playwright.

Built on the shared helper :mod:`tests.support.browser` (same Chromium, same
pinned ``playwright-core``, same off-the-network flags, same line-per-command
protocol and :class:`~tests.support.browser.Page`), with what the widget tests
need on top: real keyboard input, waiting for a condition in the page, a
record of JavaScript dialogs (``alert``) and of CSP violations, and reload.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

from tests.support.browser import ARTIFACTS, COMMAND_TIMEOUT, DRIVER_LOOP_JS, BrowserError, Page, headless_page

__all__ = ["ARTIFACTS", "BrowserError", "WidgetPage", "widget_page"]

_DRIVER_JS = r"""
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const readline = require('readline');

(async () => {
  const context = await chromium.launchPersistentContext(process.env.USER_DATA_DIR, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: JSON.parse(process.env.CHROMIUM_ARGS),
    viewport: JSON.parse(process.env.VIEWPORT),
    locale: 'sv-SE',
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  const dialogs = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  page.on('dialog', async (dialog) => { dialogs.push(`${dialog.type()}: ${dialog.message()}`); await dialog.dismiss(); });
  const fn = (script) => new Function(`return (${script});`)();
  const commands = {
    goto: async ({ url }) => { const r = await page.goto(url, { waitUntil: 'load' }); return r ? r.status() : null; },
    reload: async () => { const r = await page.reload({ waitUntil: 'load' }); return r ? r.status() : null; },
    fill: async ({ selector, value }) => { await page.fill(selector, value); return null; },
    click: async ({ selector }) => { await page.click(selector); return null; },
    press: async ({ key }) => { await page.keyboard.press(key); return null; },
    type: async ({ text }) => { await page.keyboard.type(text); return null; },
    evaluate: async ({ script, arg }) => page.evaluate(fn(script), arg),
    waitFor: async ({ script, arg, timeout }) => {
      await page.waitForFunction(fn(script), arg, { timeout, polling: 100 });
      return null;
    },
    screenshot: async ({ path, fullPage }) => { await page.screenshot({ path, fullPage }); return path; },
    url: async () => page.url(),
    consoleErrors: async () => consoleErrors.splice(0),
    dialogs: async () => dialogs.slice(),
  };
""" + DRIVER_LOOP_JS

# The widget lives in the open shadow root of its host element.
SHADOW = "document.querySelector('#lotsen').shadowRoot"


class WidgetPage(Page):
    """A :class:`tests.support.browser.Page` with keyboard, waiting and dialogs."""

    def reload(self) -> Any:
        return self.call("reload")

    def press(self, key: str) -> None:
        """Press a key on the real (Playwright) keyboard, e.g. ``Tab``, ``Enter``."""
        self.call("press", key=key)

    def type(self, text: str) -> None:
        """Type ``text`` key by key into whatever has focus."""
        self.call("type", text=text)

    def wait_for(self, script: str, arg: Any = None, timeout: float = 45.0) -> None:
        """Wait until the JavaScript function ``script(arg)`` returns something truthy;
        on timeout, fail with what the widget shows and the console errors."""
        timeout = min(timeout, COMMAND_TIMEOUT - 5)
        try:
            self.call("waitFor", script=script, arg=arg, timeout=int(timeout * 1000))
        except BrowserError as exc:
            raise AssertionError(
                f"timed out waiting for {script} ({arg!r})\nwidget: {self.widget_state()}\n"
                f"console errors: {self.console_errors()}\n{str(exc)[:1500]}"
            ) from None

    def widget_state(self) -> Any:
        try:
            return self.evaluate(
                f"() => {{ const r = {SHADOW}; return r && {{ status: r.querySelector('.status').textContent,"
                " messages: [...r.querySelectorAll('.msg')].map(m => m.className + ': ' + m.textContent.slice(0, 120)) }; }"
            )
        except BrowserError as exc:
            return f"(unavailable: {exc})"

    def dialogs(self) -> list[str]:
        """Every alert/confirm/prompt the page opened (they are dismissed)."""
        return self.call("dialogs")

    def shadow(self, expression: str, arg: Any = None) -> Any:
        """Evaluate ``expression`` with ``root`` bound to the widget's shadow root."""
        return self.evaluate(f"(arg) => {{ const root = {SHADOW}; return ({expression}); }}", arg)


@contextlib.contextmanager
def widget_page(
    width: int = 1280, height: int = 900, page_class: type = WidgetPage, extra_args: Sequence[str] = (),
) -> Iterator[Any]:
    """A :class:`WidgetPage` (or ``page_class``, a subclass) in a fresh headless
    Debian Chromium (fresh profile), with ``extra_args`` as further Chromium flags."""
    with headless_page(width, height, driver_js=_DRIVER_JS, page_class=page_class, extra_args=extra_args) as page:
        yield page
