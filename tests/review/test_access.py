"""Access rules of the running app: login, roles, audit, CSRF, throttling, cookies, SSO."""
from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa
import yaml

from review.audit import audit_log
from tests.review.conftest import PASSWORDS, make_config
from tests.review.live import LiveApp, running_app
from tests.review.seed import FALLBACKS, PERIOD

QUERY = f"date_from={PERIOD[0]}&date_to={PERIOD[1]}"
PAGES = ["/oversikt", "/vanliga-fragor", "/obesvarade", "/motparter", "/granskningslogg"]
DOWNLOADS = [
    "/oversikt/csv/amnen", "/vanliga-fragor/csv/grupper", "/obesvarade/csv/grupperade", "/motparter/csv/motparter",
    "/obesvarade/export/traningsexempel", "/obesvarade/export/kunskapsposter",
]
SINGLE_QUESTION = "Ska vi gå med i Eurocities?"  # a group of one


def record_id(live: LiveApp, question: str) -> str:
    with live.engine.connect() as conn:
        query = sa.text("SELECT id FROM engagement_records WHERE question = :q")
        return conn.execute(query, {"q": question}).scalar_one()


def audit_rows(live: LiveApp) -> list[dict]:
    with live.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(audit_log).order_by(audit_log.c.id)).mappings()]


def test_every_page_needs_login(live: LiveApp) -> None:
    rid = record_id(live, SINGLE_QUESTION)
    for path in PAGES + [f"/poster/{rid}"]:
        response = requests.get(f"{live.url}{path}?{QUERY}", allow_redirects=False, timeout=10)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/logga-in?nasta=")
    for path in DOWNLOADS + [f"/poster/{rid}/traningsexempel"]:
        assert requests.get(f"{live.url}{path}?{QUERY}", timeout=10).status_code == 401, path
    assert requests.get(f"{live.url}/healthz", timeout=10).status_code == 200


def test_viewer_sees_aggregates_only(live: LiveApp) -> None:
    viewer = live.login("vera", PASSWORDS["vera"])
    rid = record_id(live, SINGLE_QUESTION)
    for path in ["/granskningslogg", f"/poster/{rid}"]:
        assert viewer.get(f"{live.url}{path}", timeout=10).status_code == 403, path
    for path in [f"/poster/{rid}/traningsexempel", "/obesvarade/export/traningsexempel"]:
        assert viewer.get(f"{live.url}{path}", timeout=10).status_code == 403, path
    seen = ""
    for path in PAGES[:4]:
        response = viewer.get(f"{live.url}{path}?{QUERY}", timeout=10)
        assert response.status_code == 200, path
        seen += response.text
    for path in DOWNLOADS[:4]:
        response = viewer.get(f"{live.url}{path}?{QUERY}", timeout=10)
        assert response.status_code == 200
        seen += response.content.decode("utf-8")
    assert "&lt; 5" in seen and "< 5" in seen
    # No text from a group smaller than five; examples from the group of six are shown.
    for question in [SINGLE_QUESTION, *FALLBACKS, "Vem godkänner en studieresa till Oslo?"]:
        assert question not in seen, question
    assert "Kan staden teckna ett vänortsavtal med Berlin?" in seen
    assert not any(row["action"] == "open_record" for row in audit_rows(live))


def test_admin_opening_a_record_is_audited(live: LiveApp) -> None:
    admin = live.login("anna", PASSWORDS["anna"])
    rid = record_id(live, SINGLE_QUESTION)
    response = admin.get(f"{live.url}/poster/{rid}", timeout=10)
    assert response.status_code == 200 and SINGLE_QUESTION in response.text
    opened = [r for r in audit_rows(live) if r["action"] == "open_record"]
    assert len(opened) == 1
    assert (opened[0]["username"], opened[0]["role"], opened[0]["record_id"]) == ("anna", "admin", rid)
    assert opened[0]["at"] is not None

    listing = admin.get(f"{live.url}/obesvarade?{QUERY}&group_by=topic", timeout=10)
    assert listing.status_code == 200
    assert all(q in listing.text for q in FALLBACKS) and SINGLE_QUESTION in listing.text
    assert any(r["action"] == "list_unanswered" and r["detail"].startswith("7 poster") for r in audit_rows(live))

    export = admin.get(f"{live.url}/poster/{rid}/traningsexempel", timeout=10)
    assert export.status_code == 200
    nlu = yaml.safe_load(export.text)
    assert nlu["nlu"] == [{"intent": "natverk", "examples": f"- {SINGLE_QUESTION}\n"}]
    bulk = yaml.safe_load(admin.get(f"{live.url}/obesvarade/export/kunskapsposter?{QUERY}", timeout=10).text)
    assert len(bulk["entries"]) == 7 and {e["topic"] for e in bulk["entries"]} == {"out_of_scope", "bistand", "natverk"}
    actions = [r["action"] for r in audit_rows(live)]
    assert actions.count("export_record") == 1 and actions.count("export_unanswered") == 1
    log = admin.get(f"{live.url}/granskningslogg", timeout=10)
    assert log.status_code == 200 and "Öppnade post" in log.text and rid in log.text


def test_posts_without_a_valid_csrf_token_are_refused(live: LiveApp) -> None:
    fresh = requests.Session()
    response = fresh.post(
        f"{live.url}/logga-in", data={"username": "anna", "password": PASSWORDS["anna"]},
        allow_redirects=False, timeout=10,
    )
    assert response.status_code == 403
    # A token from another browser's session does not fit this one's cookie.
    other = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', other.get(f"{live.url}/logga-in", timeout=10).text).group(1)
    fresh.get(f"{live.url}/logga-in", timeout=10)
    response = fresh.post(
        f"{live.url}/logga-in", data={"username": "anna", "password": PASSWORDS["anna"], "csrf_token": token},
        allow_redirects=False, timeout=10,
    )
    assert response.status_code == 403
    admin = live.login("anna", PASSWORDS["anna"])
    assert admin.post(f"{live.url}/logga-ut", allow_redirects=False, timeout=10).status_code == 403
    assert admin.get(f"{live.url}/oversikt", allow_redirects=False, timeout=10).status_code == 200
    page = admin.get(f"{live.url}/oversikt", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    logout = admin.post(f"{live.url}/logga-ut", data={"csrf_token": token}, allow_redirects=False, timeout=10)
    assert logout.status_code == 302
    assert admin.get(f"{live.url}/oversikt", allow_redirects=False, timeout=10).status_code == 302


def test_failed_logins_are_rate_limited(live: LiveApp) -> None:
    session = requests.Session()
    for attempt in range(live.config.login_attempts):
        token = re.search(r'value="([^"]+)"', session.get(f"{live.url}/logga-in", timeout=10).text).group(1)
        response = session.post(
            f"{live.url}/logga-in", data={"username": "anna", "password": f"fel-{attempt}", "csrf_token": token},
            allow_redirects=False, timeout=10,
        )
        assert response.status_code == 401
    token = re.search(r'value="([^"]+)"', session.get(f"{live.url}/logga-in", timeout=10).text).group(1)
    response = session.post(
        f"{live.url}/logga-in", data={"username": "anna", "password": PASSWORDS["anna"], "csrf_token": token},
        allow_redirects=False, timeout=10,
    )
    assert response.status_code == 429 and "För många" in response.text
    assert sum(r["action"] == "login_failed" for r in audit_rows(live)) == live.config.login_attempts


def _login_attempt(live: LiveApp, username: str, password: str, headers: dict) -> requests.Response:
    session = requests.Session()
    token = re.search(r'value="([^"]+)"', session.get(f"{live.url}/logga-in", headers=headers, timeout=10).text).group(1)
    return session.post(f"{live.url}/logga-in", data={"username": username, "password": password, "csrf_token": token},
                        headers=headers, allow_redirects=False, timeout=30)


def test_behind_a_trusted_proxy_one_guesser_locks_out_only_themselves(seeded, password_hashes, lemmatizer) -> None:
    """The app sees every browser through nginx (127.0.0.1 here, a trusted proxy): the client address comes
    from X-Forwarded-For, so failures from one browser lock out that browser's attempts at that name,
    not the same name from another browser and not anyone else; the audit log has the browser's address."""
    config = make_config(password_hashes, trusted_proxies=["127.0.0.1/32"])
    guesser, owner, other = ({"X-Forwarded-For": a} for a in ("203.0.113.5", "198.51.100.7", "198.51.100.8"))
    with running_app(seeded, config, lemmatizer, today=PERIOD[1]) as live:
        for attempt in range(config.login_attempts):
            assert _login_attempt(live, "anna", f"fel-{attempt}", guesser).status_code == 401
        assert _login_attempt(live, "anna", PASSWORDS["anna"], guesser).status_code == 429
        assert _login_attempt(live, "vera", PASSWORDS["vera"], other).status_code == 302  # not everyone
        assert _login_attempt(live, "anna", PASSWORDS["anna"], owner).status_code == 302  # anna, slowed, not locked
        rows = audit_rows(live)
        assert {r["detail"] for r in rows if r["action"] == "login_failed"} == {"203.0.113.5"}
        assert sorted(r["detail"] for r in rows if r["action"] == "login") == ["198.51.100.7", "198.51.100.8"]


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(live: LiveApp) -> None:
    """No trusted proxy configured: X-Forwarded-For is the client's own claim and changes nothing."""
    for attempt in range(live.config.login_attempts):
        headers = {"X-Forwarded-For": f"203.0.113.{attempt}"}  # a guesser pretending to be many browsers
        assert _login_attempt(live, "anna", f"fel-{attempt}", headers).status_code == 401
    assert _login_attempt(live, "anna", PASSWORDS["anna"], {"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert {r["detail"] for r in audit_rows(live) if r["action"] == "login_failed"} == {"127.0.0.1"}


def test_session_cookie_flags_and_tampering(live: LiveApp) -> None:
    response = requests.get(f"{live.url}/logga-in", timeout=10)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    # X-Forwarded-Proto is honoured only from trusted proxies (none configured here).
    forwarded = requests.get(f"{live.url}/logga-in", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert "Secure" not in forwarded.headers["Set-Cookie"]
    admin = live.login("anna", PASSWORDS["anna"])
    value = admin.cookies["lotsen_review"]
    body, signature = value.split(".")
    forged = requests.Session()
    forged.cookies.set("lotsen_review", body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature)
    assert forged.get(f"{live.url}/oversikt", allow_redirects=False, timeout=10).status_code == 302


def test_login_redirect_stays_on_this_site(live: LiveApp) -> None:
    session = requests.Session()
    form = session.get(f"{live.url}/logga-in", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = session.post(
        f"{live.url}/logga-in",
        data={"username": "vera", "password": PASSWORDS["vera"], "csrf_token": token, "nasta": "//evil.example/"},
        allow_redirects=False, timeout=10,
    )
    assert response.headers["Location"] == "/oversikt"


@pytest.mark.parametrize("proxies, default_role, header_user, expected", [
    (["127.0.0.1/32"], None, "anna", 200),  # listed user, trusted proxy
    (["127.0.0.0/8"], "viewer", "olle", 200),  # unlisted user gets the default role
    (["127.0.0.1/32"], None, "olle", 302),  # unlisted user without a default role
    (["10.0.0.0/8"], "viewer", "anna", 302),  # header from an untrusted address is ignored
])
def test_trusted_proxy_header_sso(
    seeded, password_hashes, lemmatizer, proxies, default_role, header_user, expected
) -> None:
    sso = {"header": "X-Remote-User", "trusted_proxies": proxies, "default_role": default_role}
    config = make_config(password_hashes, sso=sso)
    with running_app(seeded, config, lemmatizer, today=PERIOD[1]) as live:
        response = requests.get(
            f"{live.url}/oversikt", headers={"X-Remote-User": header_user}, allow_redirects=False, timeout=10
        )
        assert response.status_code == expected
        if expected == 200:
            role = "administratör" if header_user == "anna" else "granskare"
            assert f"{header_user} ({role})" in response.text
            rid = record_id(live, SINGLE_QUESTION)
            opened = requests.get(f"{live.url}/poster/{rid}", headers={"X-Remote-User": header_user}, timeout=10)
            assert opened.status_code == (200 if header_user == "anna" else 403)
            secure = requests.get(
                f"{live.url}/logga-in", headers={"X-Forwarded-Proto": "https"}, timeout=10
            ).headers["Set-Cookie"]
            assert "Secure" in secure  # forwarded TLS from a trusted proxy
