"""The knowledge editor over HTTP on SQLite and PostgreSQL: who may edit, a refused entry's
Swedish message with nothing saved, four-eyes publishing, rollback, retirement, escaping,
CSRF, the audit log, and a record's page showing the cited text at its version."""
from __future__ import annotations

import secrets
from typing import Iterator

import pytest
import sqlalchemy as sa

from actions.records import EngagementRecord, RecordStore
from review.audit import audit_log
from review.auth import hash_password
from review.config import ReviewConfig, parse_config
from tests.review.editor_forms import csrf, entry_form
from tests.review.live import LiveApp, running_app

TWINNING = "vanortsavtal.inga-vanortsavtal"
PASSWORDS = {"rut": "redaktör-lösen-1", "sam": "redaktör-lösen-2", "vera": "viewer-lösen-3", "anna": "admin-lösen-4"}
ROLES = {"rut": "redaktör", "sam": "redaktör", "vera": "viewer", "anna": "admin"}


@pytest.fixture(scope="module")
def hashes() -> dict[str, str]:
    return {name: hash_password(pw) for name, pw in PASSWORDS.items()}


def editor_config(hashes: dict[str, str], four_eyes: bool) -> ReviewConfig:
    users = {name: {"role": ROLES[name], "password_hash": hashes[name]} for name in PASSWORDS}
    return parse_config({"session_secret": secrets.token_urlsafe(40), "users": users, "four_eyes": four_eyes}, env={})


@pytest.fixture
def app(engine, hashes) -> Iterator[LiveApp]:
    with running_app(engine, editor_config(hashes, four_eyes=True)) as live:
        yield live


def login(app: LiveApp, name: str):
    return app.login(name, PASSWORDS[name])


def save(app: LiveApp, session, entry_id: str = TWINNING, **changes: str):
    page = session.get(f"{app.url}/redaktor/post/{entry_id}", timeout=10)
    assert page.status_code == 200
    form = dict(entry_form(page.text), **changes, csrf_token=csrf(page.text))
    return session.post(f"{app.url}/redaktor/post/{entry_id}", data=form, timeout=30)


def post(app: LiveApp, session, path: str):
    token = csrf(session.get(f"{app.url}/redaktor", timeout=10).text)
    return session.post(f"{app.url}{path}", data={"csrf_token": token}, timeout=30)


def audited(app: LiveApp) -> list[tuple[str, str, str]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(audit_log.c.username, audit_log.c.action, audit_log.c.detail)
                                               .where(audit_log.c.action != "login").order_by(audit_log.c.id))]


def test_viewers_see_no_editing_and_editors_see_the_entries(app):
    viewer = login(app, "vera")
    assert "/redaktor" not in viewer.get(f"{app.url}/oversikt", timeout=10).text
    for path in ("/redaktor", f"/redaktor/post/{TWINNING}", "/redaktor/versioner", "/redaktor/ny"):
        refused = viewer.get(f"{app.url}{path}", timeout=10)
        assert refused.status_code == 403 and "behörighet att redigera" in refused.text
    assert post(app, login(app, "rut"), "/redaktor/versioner/1/aterstall").status_code == 409  # v1 is live: nothing to undo
    token = csrf(viewer.get(f"{app.url}/oversikt", timeout=10).text)
    assert viewer.post(f"{app.url}/redaktor/versioner/1/aterstall", data={"csrf_token": token}).status_code == 403
    start = login(app, "rut").get(f"{app.url}/redaktor", timeout=10)
    assert start.status_code == 200 and "Får vi teckna ett vänortsavtal?" in start.text
    assert "Live: version 1" in start.text
    assert login(app, "anna").get(f"{app.url}/redaktor", timeout=10).status_code == 200


@pytest.mark.parametrize("changes, message", [
    ({"source": ""}, "Fältet ”Källa” får inte vara tomt."),
    ({"answer": ""}, "Fältet ”Svar” får inte vara tomt."),
    ({"review_by": "snart"}, "Fältet ”Granskas senast” ska vara ett datum"),
])
def test_an_invalid_entry_is_refused_with_the_swedish_message_and_nothing_is_saved(app, changes, message):
    editor = login(app, "rut")
    refused = save(app, editor, **changes)
    assert refused.status_code == 422 and message in refused.text
    assert "Posten sparades inte." in refused.text
    start = editor.get(f"{app.url}/redaktor", timeout=10).text
    assert "Utkast som inte är publicerade" not in start and audited(app) == []


def test_a_new_entry_of_an_unknown_topic_is_refused(app):
    editor = login(app, "rut")
    page = editor.get(f"{app.url}/redaktor/ny?amne=vanortsavtal", timeout=10)
    form = dict(entry_form(page.text), csrf_token=csrf(page.text), topic="finns_inte", id="finns_inte.ny",
                title="Ny fråga?", answer="Ett svar.", source="remissvar-2016", section="Avsnitt")
    refused = editor.post(f"{app.url}/redaktor/ny", data=form, timeout=30)
    assert refused.status_code == 422 and "Ämnet finns inte." in refused.text


def test_four_eyes_a_second_editor_approves_then_rollback_restores(app):
    rut, sam = login(app, "rut"), login(app, "sam")
    new_answer = "Staden tecknar inga vänortsavtal <b>alls</b>."
    draft_page = save(app, rut, answer=new_answer)
    assert draft_page.status_code == 200 and "/redaktor/utkast/" in draft_page.url
    assert "&lt;b&gt;alls&lt;/b&gt;" in draft_page.text and "<b>alls</b>" not in draft_page.text  # escaped
    assert "Nej. Staden tecknar inga vänortsavtal" in draft_page.text  # the preview, opened as the reply opens
    draft = draft_page.url.rsplit("/", 1)[1]
    assert post(app, rut, f"/redaktor/utkast/{draft}/publicera").status_code == 409  # not sent for approval
    post(app, rut, f"/redaktor/utkast/{draft}/skicka")
    own = post(app, rut, f"/redaktor/utkast/{draft}/publicera")
    assert own.status_code == 409 and "En annan redaktör" in own.text
    assert "Godkänn och publicera" in sam.get(f"{app.url}/redaktor/utkast/{draft}", timeout=10).text
    approved = post(app, sam, f"/redaktor/utkast/{draft}/publicera")
    assert approved.status_code == 200 and "Version 2 (live)" in approved.text and "godkänd av sam" in approved.text
    rolled = post(app, sam, "/redaktor/versioner/1/aterstall")
    assert "Version 3 (live)" in rolled.text and "Återställning till version 1" in rolled.text
    actions = [(who, action) for who, action, _ in audited(app)]
    assert actions == [("rut", "save_draft"), ("rut", "request_approval"), ("sam", "approve"), ("sam", "rollback")]


def test_retiring_an_entry_stops_it_answering_and_keeps_its_text(engine, hashes):
    with running_app(engine, editor_config(hashes, four_eyes=False)) as app:
        rut = login(app, "rut")
        referenced = post(app, rut, "/redaktor/post/vanortsavtal.inga-vanorter/avveckla")
        assert referenced.status_code == 422 and "hänvisar till en post som inte finns eller är avvecklad" in referenced.text
        page = rut.get(f"{app.url}/redaktor/ny?amne=natverk", timeout=10)
        form = dict(entry_form(page.text), csrf_token=csrf(page.text), topic="natverk", id="natverk.ny-post",
                    title="Är staden med i ett nytt nätverk?", answer="Staden prövar varje nytt nätverk för sig.",
                    source="remissvar-2016", section="Nätverk", owner="Internationella enheten", review_by="2020-01-01")
        added = rut.post(f"{app.url}/redaktor/ny", data=form, timeout=30)
        assert added.status_code == 200, added.text
        post(app, rut, f"{added.url.split(app.url)[1]}/publicera")
        start = rut.get(f"{app.url}/redaktor", timeout=10).text
        overdue = start.split('id="overdue-heading"')[1].split("</section>")[0]
        assert "natverk.ny-post" in overdue and "(passerat)" in overdue  # past review-by: listed first
        assert "1 post har passerat sitt granskningsdatum" in rut.get(f"{app.url}/oversikt", timeout=30).text
        assert 'id="overdue-count"' not in login(app, "vera").get(f"{app.url}/oversikt", timeout=30).text
        retired = post(app, rut, "/redaktor/post/natverk.ny-post/avveckla")
        post(app, rut, f"{retired.url.split(app.url)[1]}/publicera")
        start = rut.get(f"{app.url}/redaktor", timeout=10).text
        assert "Avvecklad" in start and "natverk.ny-post" not in start.split('id="overdue-heading"')[1].split("</section>")[0]
        assert ("rut", "retire_entry") in [(w, a) for w, a, _ in audited(app)]


def test_a_record_page_shows_the_cited_text_at_its_version(app):
    editor = login(app, "rut")
    draft = save(app, editor, answer="Ett nytt svar om vänortsavtal.").url.rsplit("/", 1)[1]
    post(app, editor, f"/redaktor/utkast/{draft}/skicka")
    post(app, login(app, "sam"), f"/redaktor/utkast/{draft}/publicera")
    store = RecordStore(app.engine)
    old = EngagementRecord(conversation_id="c1", channel="rest", question="Får vi teckna ett vänortsavtal?",
                           topic="vanortsavtal", outcome="answered", kb_version="1", principle_ids=[TWINNING])
    store.insert(old)
    page = login(app, "anna").get(f"{app.url}/poster/{old.id}", timeout=10).text
    assert "posternas text i version 1" in page
    assert "Stockholms stad tecknar inga vänortsavtal" in page and "Ett nytt svar om vänortsavtal." not in page
