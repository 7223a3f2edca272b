"""The hostile corpus typed into the help widget in headless Chromium: every
message and every reply is shown as text (no element, no script, no dialog),
the widget keeps working, and the pasted 100 kB reaches Lotsen whole, so the
official reads Lotsen's own notice that it was too long."""
from __future__ import annotations

import re

from tests.hostile.corpus import messages, too_long_reply
from tests.widget.driver import ARTIFACTS, SHADOW, widget_page

PANEL_OPEN = f"() => {{ const r = {SHADOW}; return r && !r.querySelector('.panel').hidden; }}"
BOT_MESSAGES = f"() => {SHADOW}.querySelectorAll('.from-bot:not(.intro)').length"
MORE_BOT_MESSAGES = f"(n) => ({BOT_MESSAGES})() > n"
USER_BUBBLES = f"() => [...{SHADOW}.querySelectorAll('.from-user .bubble')].map(b => b.textContent)"
ELEMENTS_IN_MESSAGES = (
    f"() => {SHADOW}.querySelectorAll('.msg img, .msg script, .msg iframe, .msg b, .msg i, .msg a[href^=\"javascript\"]')"
    ".length + document.querySelectorAll('body > script:not([src]), img[src=x]').length"
)
WIDGET_MAX_CHARS = 100_000  # MAX_MESSAGE_LENGTH in widget/src/lotsen-widget.js
BOT_TEXTS = f"() => [...{SHADOW}.querySelectorAll('.from-bot')].map(m => m.textContent)"


_JS_SPACE = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"


def js_trim(text: str) -> str:
    """JavaScript's String.prototype.trim (white space, line terminators and the BOM)."""
    return re.sub(f"^{_JS_SPACE}+|{_JS_SPACE}+$", "", text)


def test_the_corpus_in_the_widget_is_shown_as_text(demo, widget_lotsen):
    typed = [m for m in messages() if js_trim(m.text)]
    with widget_page() as page:
        assert page.goto(f"{demo.url}/") == 200
        page.evaluate("() => { window.__alerts = 0; window.alert = () => { window.__alerts += 1; }; }")
        page.click(".launcher")
        page.wait_for(PANEL_OPEN)
        for message in typed:
            before = page.evaluate(BOT_MESSAGES)
            page.fill(".composer textarea", message.text)
            page.press("Enter")
            page.wait_for(MORE_BOT_MESSAGES, before, timeout=50)
            shown = page.evaluate(USER_BUBBLES)[-1]
            text = re.sub("[\ud800-\udfff]", "\ufffd", js_trim(message.text))  # lone surrogates cannot reach a page
            assert shown.endswith(text[:WIDGET_MAX_CHARS][-200:]) or shown.endswith(text[-200:]), message.name
        page.screenshot(ARTIFACTS / "hostile-widget.png", full_page=False)
        assert page.evaluate(ELEMENTS_IN_MESSAGES) == 0
        assert page.evaluate("() => window.__alerts") == 0 and page.dialogs() == []
        bubbles = page.evaluate(USER_BUBBLES)
        assert any("<script>alert('xss')</script>" in b for b in bubbles), "tags are shown as typed"
        assert any(too_long_reply() in t for t in page.evaluate(BOT_TEXTS)), "the paste's notice is shown"
        assert page.shadow("root.querySelector('.status').textContent") == "", "still connected"
