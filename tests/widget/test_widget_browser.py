"""The help widget and the full-page chat end to end, in headless Debian Chromium:
widget/serve.py serves the demo pages, the widget talks to the real Rasa over
socket.io, the real action server writes the engagement records. Every state a
person sees passes axe-core's WCAG 2.1 A/AA rules, inside the widget's shadow
root too (tests/support/axe.py)."""
from __future__ import annotations

import json

import pytest

from tests.support.axe import assert_accessible, axe_violations
from tests.support.postgres import free_port
from tests.widget.conftest import DEPARTMENT
from tests.widget.driver import ARTIFACTS, SHADOW, widget_page
from widget.serve import DemoServer, Settings

QUESTION = "Får vi teckna ett vänortsavtal med Berlin?"
# Quotes and a newline: the feedback payload must escape them (JSON.stringify).
COMMENT = 'Jag saknar "samarbetsavtal" –\nvad gäller där?'
XSS = "<img src=x onerror=alert(1)>"

# JavaScript predicates, evaluated in the page.
PANEL_OPEN = f"() => {{ const r = {SHADOW}; return r && !r.querySelector('.panel').hidden; }}"
ANSWERS = f"() => {SHADOW}.querySelectorAll('.from-bot .source').length"
ANSWER_WITH_THUMBS = (
    f"(n) => [...{SHADOW}.querySelectorAll('.from-bot')]"
    ".filter(m => m.querySelector('.source') && m.querySelector('.thumb-down')).length > n"
)
BOT_SAYS = f"(text) => [...{SHADOW}.querySelectorAll('.from-bot .bubble')].some(b => b.textContent.includes(text))"
CONVERSATION = (
    f"() => [...{SHADOW}.querySelectorAll('.msg:not(.intro)')].map(m => ["
    "m.classList.contains('from-user') ? 'user' : 'bot', m.querySelector('.bubble').textContent])"
)
FOCUSED = (
    "() => { const host = document.activeElement; const inner = host && host.shadowRoot && host.shadowRoot.activeElement;"
    " const el = inner || host; return el ? [el.tagName, el.className] : null; }"
)


def ask(page, text: str) -> None:
    page.fill(".composer textarea", text)
    page.press("Enter")


def test_answer_with_source_thumbs_down_comment_and_reload(demo, new_records):
    with widget_page() as page:
        assert page.goto(f"{demo.url}/") == 200
        assert page.shadow("root.querySelector('.panel').hidden") is True
        assert_accessible(page, "the demo page, panel closed", shadow=True)
        page.click(".launcher")
        page.wait_for(PANEL_OPEN)
        assert page.evaluate(FOCUSED) == ["TEXTAREA", ""], "opening moves focus to the message field"
        assert_accessible(page, "the demo page, panel open", shadow=True)

        ask(page, QUESTION)
        page.wait_for(ANSWER_WITH_THUMBS, 0, timeout=50)
        answer = page.shadow(
            "(() => { const m = [...root.querySelectorAll('.from-bot')].find(x => x.querySelector('.source'));"
            " return { text: m.querySelector('.bubble').textContent, source: m.querySelector('.source').textContent,"
            " bullets: m.querySelectorAll('li').length, user: root.querySelector('.from-user .bubble').textContent }; })()"
        )
        assert answer["user"].endswith(QUESTION)
        assert "vänortsavtal" in answer["text"] and "Nej" in answer["text"]
        assert answer["source"].startswith("Källa:") and len(answer["source"]) > len("Källa: ")
        assert answer["bullets"] >= 1, "the answer's '• ' lines are a list"
        page.screenshot(ARTIFACTS / "widget-answer.png", full_page=False)
        assert_accessible(page, "the demo page with an answer (thumbs, source line, list)", shadow=True)

        page.click(".thumb-down")
        page.wait_for(f"() => !!{SHADOW}.querySelector('.comment-form textarea')")
        assert page.evaluate(FOCUSED) == ["TEXTAREA", ""], "thumbs down moves focus to the comment field"
        assert_accessible(page, "the demo page with the comment form open", shadow=True)
        page.fill(".comment-form textarea", COMMENT)
        page.click(".comment-form button[type=submit]")
        page.wait_for(BOT_SAYS, "Tack")
        assert page.shadow("root.querySelector('.thumb-down').getAttribute('aria-pressed')") == "true"
        assert page.shadow("root.querySelector('.thumb-up').getAttribute('aria-pressed')") == "false"
        assert page.shadow("root.querySelector('.comment-form')") is None
        assert_accessible(page, "the demo page after thumbs down and a comment", shadow=True)
        before = page.evaluate(CONVERSATION)
        session = page.evaluate("() => Object.entries(sessionStorage).find(([k]) => k.endsWith(':session'))")
        assert session, "the socket.io session id is kept in sessionStorage"

        page.reload()
        page.wait_for(PANEL_OPEN)  # the open panel stays open
        page.wait_for(ANSWERS)
        assert page.evaluate(CONVERSATION) == before
        assert page.shadow("root.querySelector('.thumb-down').getAttribute('aria-pressed')") == "true"
        page.wait_for(f"() => {SHADOW}.querySelector('.status').textContent === ''")  # reconnected
        assert_accessible(page, "the demo page reloaded with the conversation", shadow=True)
        assert page.evaluate("() => Object.entries(sessionStorage).find(([k]) => k.endsWith(':session'))") == session

        # The bot's buttons are quick replies: the title becomes the user's
        # bubble, the payload goes to the bot, and the buttons go away.
        page.wait_for(f"() => [...{SHADOW}.querySelectorAll('.quick-replies button')].some(b => b.textContent === 'Nej')")
        page.evaluate(
            f"() => [...{SHADOW}.querySelectorAll('.quick-replies button')].find(b => b.textContent === 'Nej').click()"
        )
        page.wait_for(f"() => [...{SHADOW}.querySelectorAll('.from-user .bubble')].some(b => b.textContent.endsWith('Nej'))")
        assert page.shadow("root.querySelectorAll('.quick-replies').length") == 0
        page.wait_for(f"(n) => {SHADOW}.querySelectorAll('.from-bot').length > n", len([m for m in before if m[0] == "bot"]))

        # After the reload the same Rasa conversation goes on (session_request
        # with the stored session id).
        answers = page.evaluate(ANSWERS)
        ask(page, "Får vi söka EU-medel?")
        page.wait_for(f"(n) => ({ANSWERS})() > n", answers, timeout=50)
        assert page.dialogs() == []
        assert [e for e in page.console_errors() if "Content Security Policy" in e or "Refused" in e] == []

    records = new_records()
    [twinning] = [r for r in records if r["question"] == QUESTION]
    assert twinning["channel"] == "socketio"
    assert twinning["department"] == DEPARTMENT
    assert twinning["topic"] == "vanortsavtal"
    assert twinning["feedback"] == "down"
    assert "samarbetsavtal" in (twinning["feedback_comment"] or "")
    [eu] = [r for r in records if r["question"] == "Får vi söka EU-medel?"]
    assert eu["conversation_id"] == twinning["conversation_id"], "the reload kept the conversation"
    assert eu["department"] == DEPARTMENT and eu["feedback"] is None


def test_markup_in_messages_is_shown_as_text_and_runs_nothing(demo):
    with widget_page() as page:
        page.goto(f"{demo.url}/")
        page.evaluate("() => { window.__alerts = 0; window.alert = () => { window.__alerts += 1; }; }")
        page.click(".launcher")
        ask(page, XSS)
        page.wait_for(f"() => {SHADOW}.querySelectorAll('.from-bot:not(.intro)').length > 0", timeout=50)
        assert page.shadow("root.querySelector('.from-user .bubble').textContent").endswith(XSS)

        # A bot message carrying markup and a javascript: "link" is text too;
        # only the https URL becomes a link.
        hostile = f'{XSS} <script>alert(2)</script> javascript:alert(3) https://example.org/a?b=1&c=<b>x</b>.\nKälla: <i>x</i>'
        page.evaluate("(text) => document.querySelector('#lotsen').lotsenWidget.onBotUttered({ text })", hostile)
        page.wait_for(BOT_SAYS, "<script>alert(2)</script>")
        shown = page.shadow(
            "(() => { const b = [...root.querySelectorAll('.from-bot .bubble')].pop();"
            " return { text: b.textContent, links: [...b.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.rel, a.target]),"
            " source: b.querySelector('.source').textContent }; })()"
        )
        assert XSS in shown["text"] and "javascript:alert(3)" in shown["text"]
        assert shown["links"] == [["https://example.org/a?b=1&c=", "noopener noreferrer", "_blank"]]
        assert shown["source"] == "Källa: <i>x</i>"

        elements = page.evaluate(
            f"() => ({{ img: document.querySelectorAll('img').length + {SHADOW}.querySelectorAll('img').length,"
            f" script: {SHADOW}.querySelectorAll('script').length, i: {SHADOW}.querySelectorAll('i, b').length }})"
        )
        assert elements == {"img": 0, "script": 0, "i": 0}
        page.reload()  # the stored history is rendered as text as well
        page.wait_for(BOT_SAYS, "<script>alert(2)</script>")
        assert page.shadow("root.querySelectorAll('img, script, i, b').length") == 0
        assert page.evaluate("() => window.__alerts || 0") == 0
        assert page.dialogs() == []


def test_keyboard_only(demo):
    with widget_page() as page:
        page.goto(f"{demo.url}/")
        for _ in range(40):  # Tab through the page to the help button
            page.press("Tab")
            if page.evaluate(FOCUSED) == ["BUTTON", "launcher"]:
                break
        else:
            pytest.fail("Tab never reached the help button")
        assert page.shadow("root.querySelector('.launcher').getAttribute('aria-expanded')") == "false"
        page.press("Enter")
        page.wait_for(PANEL_OPEN)
        assert page.shadow("root.querySelector('.launcher').getAttribute('aria-expanded')") == "true"
        assert page.evaluate(FOCUSED) == ["TEXTAREA", ""]

        page.type(QUESTION)
        page.press("Enter")
        page.wait_for(ANSWER_WITH_THUMBS, 0, timeout=50)
        assert page.shadow("root.querySelector('.composer textarea').value") == ""

        # The thumbs are reachable with Tab from the log, and work with Enter.
        page.evaluate(f"() => {SHADOW}.querySelector('.log').focus()")
        for _ in range(20):
            page.press("Tab")
            if page.evaluate(FOCUSED) == ["BUTTON", "thumb thumb-up"]:
                break
        else:
            pytest.fail("Tab never reached the thumbs")
        page.press("Enter")
        page.wait_for(BOT_SAYS, "Tack")
        assert page.shadow("root.querySelector('.thumb-up').getAttribute('aria-pressed')") == "true"

        page.press("Escape")
        page.wait_for(f"() => {SHADOW}.querySelector('.panel').hidden")
        assert page.evaluate(FOCUSED) == ["BUTTON", "launcher"], "Esc returns focus to the help button"


def test_narrow_phone_screen(demo):
    with widget_page(width=360, height=740) as page:
        page.goto(f"{demo.url}/")
        assert_accessible(page, "the demo page at 360 px, panel closed", shadow=True)
        page.click(".launcher")
        page.wait_for(PANEL_OPEN)
        ask(page, QUESTION)
        page.wait_for(ANSWER_WITH_THUMBS, 0, timeout=50)
        layout = page.shadow(
            "(() => { const p = root.querySelector('.panel').getBoundingClientRect();"
            " const wide = [...root.querySelectorAll('.panel *')].filter(e => e.getBoundingClientRect().right > 360.5).length;"
            " const log = root.querySelector('.log');"
            " return { left: p.left, right: p.right, top: p.top, bottom: p.bottom, wide,"
            " hscroll: log.scrollWidth > log.clientWidth, page: document.documentElement.scrollWidth }; })()"
        )
        assert layout["left"] >= 0 and layout["right"] <= 360 and layout["top"] >= 0 and layout["bottom"] <= 740
        assert layout["wide"] == 0 and layout["hscroll"] is False and layout["page"] <= 360
        page.screenshot(ARTIFACTS / "widget-360.png", full_page=False)
        assert_accessible(page, "the demo page at 360 px with an answer", shadow=True)
        page.click(".thumb-down")
        page.wait_for(f"() => !!{SHADOW}.querySelector('.comment-form textarea')")
        assert_accessible(page, "the demo page at 360 px with the comment form open", shadow=True)


def test_full_page_chat(demo, new_records):
    with widget_page() as page:
        assert page.goto(f"{demo.url}/chat") == 200
        assert page.shadow("root.querySelector('.launcher')") is None
        assert page.shadow("root.querySelector('.panel').hidden") is False
        assert_accessible(page, "the full-page chat /chat", shadow=True)
        ask(page, "Får vi ta emot en delegation från Kenya?")
        page.wait_for(ANSWER_WITH_THUMBS, 0, timeout=50)
        page.press("Escape")  # nothing to close on the full page
        assert page.shadow("root.querySelector('.panel').hidden") is False
        page.screenshot(ARTIFACTS / "widget-page.png", full_page=False)
        assert_accessible(page, "the full-page chat with an answer", shadow=True)

        # "Börja om" forgets the conversation and starts a new Rasa session.
        session = "() => (Object.entries(sessionStorage).find(([k]) => k.endsWith(':session')) || [])[1]"
        old = page.evaluate(session)
        page.click(".restart")
        page.wait_for(f"(old) => ({session})() && ({session})() !== old", old)
        assert page.evaluate(CONVERSATION) == []
        assert page.evaluate("() => Object.keys(sessionStorage).some(k => k.endsWith(':history') && "
                             "JSON.parse(sessionStorage.getItem(k)).length)") is False
    [record] = [r for r in new_records() if r["topic"] == "delegationsbesok"]
    assert (record["channel"], record["department"]) == ("socketio", DEPARTMENT)


def test_a_suggested_follow_up_question_is_a_button_answered_like_a_typed_question(demo, new_records):
    title = "Vem beslutar om vår verksamhets internationella engagemang"  # mandat_beslut.vem-beslutar
    button = f"[...{SHADOW}.querySelectorAll('.quick-replies button')].find(b => b.textContent.startsWith('{title}'))"
    with widget_page() as page:
        assert page.goto(f"{demo.url}/chat") == 200
        ask(page, "Kan vi ta emot en delegation från Nairobi?")
        page.wait_for(ANSWER_WITH_THUMBS, 0, timeout=50)
        page.wait_for(f"() => !!{button}")
        assert_accessible(page, "the full-page chat with an answer and its suggested follow-up buttons", shadow=True)
        page.evaluate(f"() => {button}.click()")
        page.wait_for(f"() => [...{SHADOW}.querySelectorAll('.from-user .bubble')].some(b => b.textContent.includes('{title}'))")
        page.wait_for(ANSWER_WITH_THUMBS, 1, timeout=50)
        assert page.evaluate(f"() => ({BOT_SAYS})('delegationsordning')")
        assert_accessible(page, "the full-page chat with the clicked follow-up's answer", shadow=True)
    records = [r for r in new_records() if r["channel"] == "socketio"]
    clicked = [r for r in records if r["question"].startswith(title)]
    assert len(clicked) == 1 and clicked[0]["principle_ids"] == ["mandat_beslut.vem-beslutar"]
    assert clicked[0]["from_context"] and clicked[0]["outcome"] == "answered"


def test_the_corner_widget_with_follow_up_buttons_passes_axe(demo):
    """The corner panel (not only /chat) with an answer whose suggested follow-ups are buttons."""
    with widget_page() as page:
        page.goto(f"{demo.url}/")
        page.click(".launcher")
        page.wait_for(PANEL_OPEN)
        ask(page, "Kan vi ta emot en delegation från Nairobi?")
        page.wait_for(ANSWER_WITH_THUMBS, 0, timeout=50)
        page.wait_for(f"() => {SHADOW}.querySelectorAll('.quick-replies button').length > 1")
        assert page.shadow("root.querySelectorAll('.from-bot li').length") >= 1
        assert_accessible(page, "the demo page with an answer and its suggested follow-up buttons", shadow=True)


def test_axe_sees_into_the_shadow_root_and_the_offline_state_passes():
    """The check is not blind: a nameless button put into the widget's shadow root
    is reported with its shadow path. And what a person sees while Lotsen cannot
    be reached (the status line, disabled sending) passes too."""
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with DemoServer(Settings(host="127.0.0.1", port=0, rasa_url=unreachable)) as server, widget_page() as page:
        page.goto(f"{server.url}/")
        page.click(".launcher")
        page.wait_for(f"() => {SHADOW}.querySelector('.status').textContent.startsWith('Lotsen går inte att nå')", timeout=30)
        assert_accessible(page, "the demo page while Lotsen cannot be reached", shadow=True)

        page.shadow("root.querySelector('.panel').append(Object.assign(document.createElement('button'), { className: 'nameless' }))")
        found = axe_violations(page, "a nameless button in the shadow root")
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in found.violations] == [
            ("button-name", [[["#lotsen", ".nameless"]]])
        ], found.report()


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    hi, lo = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# Every visible element with its own text: its colour, the first opaque
# background behind it, and whether the text is "large" in WCAG's sense.
TEXT_COLOURS = f"""() => {{
  const root = {SHADOW};
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {{
    for (let n = el; n; n = n.parentElement || (n.getRootNode() && n.getRootNode().host)) {{
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }}
    return [255, 255, 255];
  }};
  const out = [];
  for (const el of root.querySelectorAll('*')) {{
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || el.closest('.sr-only') || el.closest('[hidden]')) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize), weight = parseInt(style.fontWeight, 10);
    out.push({{ text: el.textContent.trim().slice(0, 40), fg: rgb(style.color).slice(0, 3), bg: background(el),
               large: size >= 24 || (size >= 18.66 && weight >= 700) }});
  }}
  return out;
}}"""


def test_text_contrast_meets_wcag_aa(demo):
    with widget_page() as page:
        page.goto(f"{demo.url}/")
        page.click(".launcher")
        ask(page, QUESTION)
        page.wait_for(ANSWER_WITH_THUMBS, 0, timeout=50)
        page.click(".thumb-down")  # the comment form too
        samples = page.evaluate(TEXT_COLOURS)
        closed = []
        page.press("Escape")  # closes the comment form
        page.press("Escape")  # closes the panel: the launcher alone
        closed = page.evaluate(TEXT_COLOURS)
    checked = samples + closed
    assert len(checked) > 10
    failures = [
        (s["text"], round(contrast(s["fg"], s["bg"]), 2))
        for s in checked
        if contrast(s["fg"], s["bg"]) < (3.0 if s["large"] else 4.5)
    ]
    assert failures == [], json.dumps(failures, ensure_ascii=False)
