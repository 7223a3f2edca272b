"""The knowledge editor end to end in headless Chromium against the running assistant (the shared
``lotsen`` fixture: trained model, Rasa and the action server on one SQLite database): an editor
changes the answer of the twinning entry, previews it, publishes; the next REST answer carries the
new text without any restart and its record names the new version; rollback restores the old text;
an invalid entry is refused with the Swedish message; a viewer cannot reach the editor; every
editor page passes axe-core (WCAG 2.1 A/AA)."""
from __future__ import annotations

import secrets
import time
import uuid
from typing import Callable, Iterator

import pytest

from actions.knowledge_versions import VersionStore
from actions.records import create_engine
from review.auth import hash_password
from review.config import parse_config
from review.editor_preview import KnowledgeEditor
from tests.review.live import LiveApp, running_app
from tests.support.axe import assert_accessible
from tests.support.browser import Page, headless_page
from tests.support.servers import Lotsen

TWINNING = "vanortsavtal.inga-vanortsavtal"
QUESTION = "Får vi teckna ett vänortsavtal?"
OLD_TEXT = "Stockholms stad tecknar inga vänortsavtal"
NEW_TEXT = "Staden tecknar inga vänortsavtal – beslutat av kommunfullmäktige i den reviderade strategin."
PASSWORDS = {"rut": "redaktör-lösen-1", "vera": "viewer-lösen-3"}
# The action servers poll every LOTSEN_KNOWLEDGE_POLL_INTERVAL (3 s by default); a generous bound.
LIVE_WITHIN = 20.0
SET_VALUE = "([selector, value]) => { const el = document.querySelector(selector); el.value = value; }"
TEXT_OF = "(selector) => document.querySelector(selector) ? document.querySelector(selector).innerText : null"


@pytest.fixture
def editor_app(lotsen: Lotsen) -> Iterator[LiveApp]:
    engine = create_engine(lotsen.db_url)
    users = {"rut": {"role": "redaktör", "password_hash": hash_password(PASSWORDS["rut"])},
             "vera": {"role": "viewer", "password_hash": hash_password(PASSWORDS["vera"])}}
    config = parse_config({"session_secret": secrets.token_urlsafe(40), "users": users, "four_eyes": False}, env={})
    store = KnowledgeEditor.for_engine(engine).store
    original = store.live()
    with running_app(engine, config) as app:
        yield app
    if store.live().entries != original.entries:  # a failed run leaves the shared assistant as it found it
        store.publish(original.entries, "test-cleanup", note="Återställt efter test")
    engine.dispose()


def log_in(page: Page, app: LiveApp, user: str, target: str) -> None:
    page.goto(f"{app.url}{target}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("section.login button[type=submit]")


def answer_within(lotsen: Lotsen, records: Callable[[], list[dict]], expected: str) -> tuple[str, dict]:
    """Ask the twinning question over REST until the reply carries ``expected``; reply text and record."""
    deadline = time.monotonic() + LIVE_WITHIN
    while True:
        replies = lotsen.ask(f"editor-{uuid.uuid4()}", QUESTION)
        text = "\n".join(r.get("text", "") for r in replies if r.get("text"))
        if expected in text or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert expected in text, text
    deadline = time.monotonic() + 10
    while not (found := [r for r in records() if r["question"] == QUESTION]) and time.monotonic() < deadline:
        time.sleep(0.3)
    return text, found[-1]


def test_edit_preview_publish_answers_live_then_rollback(lotsen: Lotsen, records, editor_app: LiveApp) -> None:
    app = editor_app
    store: VersionStore = KnowledgeEditor.for_engine(app.engine).store
    before = store.live()
    with headless_page() as page:
        log_in(page, app, "rut", "/redaktor")
        assert page.url.endswith("/redaktor")
        assert_accessible(page, "the editor's start page")
        page.click(f'a[href="/redaktor/post/{TWINNING}"]')
        assert_accessible(page, "the entry form")

        page.evaluate(SET_VALUE, ["#f-answer", ""])  # an empty answer is refused, nothing saved
        page.click("form.editor button[type=submit]")
        assert page.evaluate(TEXT_OF, "#refusal") == "Posten sparades inte. Fältet ”Svar” får inte vara tomt."
        assert_accessible(page, "the entry form with a refusal")
        assert store.open_draft_of(TWINNING) is None

        page.evaluate(SET_VALUE, ["#f-answer", NEW_TEXT])
        page.click("form.editor button[type=submit]")
        assert "/redaktor/utkast/" in page.url
        preview = page.evaluate(TEXT_OF, "#preview-text")
        assert preview.startswith(f"Nej. {NEW_TEXT}") and "Källa:" in preview
        assert_accessible(page, "a draft with its preview")
        page.goto(f"{page.url}?motpart=Berlin")
        assert "Det gäller alltså även Berlin." in page.evaluate(TEXT_OF, "#preview-text")  # tailoring for a capital
        assert store.live().id == before.id  # a draft is not live

        page.click('form[action$="/publicera"] button')
        assert "/redaktor/versioner" in page.url
        published = store.live()
        assert published.id == before.id + 1 and published.entry(TWINNING)["answer"] == NEW_TEXT
        assert_accessible(page, "the versions page")

        text, record = answer_within(lotsen, records, NEW_TEXT)  # no restart of anything
        assert OLD_TEXT not in text
        assert record["kb_version"] == str(published.id) and record["principle_ids"][0] == TWINNING

        page.click(f'form[action="/redaktor/versioner/{before.id}/aterstall"] button')
        rolled = store.live()
        assert rolled.id == published.id + 1 and rolled.entries == before.entries
        text, record = answer_within(lotsen, records, OLD_TEXT)
        assert NEW_TEXT not in text and record["kb_version"] == str(rolled.id)

        page.goto(f"{app.url}/redaktor/ny?amne=vanortsavtal")
        assert_accessible(page, "the new-entry form")
        page.click("header.top form button[type=submit]")  # log out

        log_in(page, app, "vera", "/oversikt")
        assert page.evaluate("() => !!document.querySelector('a[href=\"/redaktor\"]')") is False
        assert page.goto(f"{app.url}/redaktor") == 403
        assert "behörighet att redigera" in page.evaluate(TEXT_OF, ".error")
