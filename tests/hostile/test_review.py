"""The review app with the hostile corpus in its records (written by Lotsen
itself over REST) and hostile input of its own: every page shows the
questions as text, query parameters, form fields, paths and login attempts
never give a 5xx, and the record table is intact afterwards."""
from __future__ import annotations

from typing import Iterator

import pytest
import requests
from markupsafe import escape

from actions.records import create_engine
from review.auth import hash_password
from review.clusters import content_lemmatizer
from tests.hostile.conftest import table_shape
from tests.hostile.corpus import messages
from tests.review.conftest import PASSWORDS, make_config
from tests.review.live import CSRF_FIELD, LiveApp, running_app

PAGES = ["/oversikt", "/vanliga-fragor", "/obesvarade", "/motparter", "/granskningslogg"]
FILTERS = ["date_from", "date_to", "topic", "department", "channel", "outcome", "counterpart_type", "group_by"]
# Corpus fragments that would appear verbatim only if a page rendered them as markup.
MARKUP = ["<script>alert", "<img src=x", "<b>Får</b>", "<a href=\"javascript:alert(1)\">", "<i>ta emot</i>"]


@pytest.fixture(scope="module")
def review(lotsen, rest_corpus) -> Iterator[LiveApp]:
    """The review app on the records database Lotsen just wrote the corpus into."""
    engine = create_engine(lotsen.db_url)
    hashes = {name: hash_password(pw) for name, pw in PASSWORDS.items()}
    with running_app(engine, make_config(hashes), content_lemmatizer()) as app:
        yield app
    engine.dispose()


def no_markup_from_the_corpus(html: str) -> bool:
    """None of the corpus's tags reached the page unescaped."""
    return not any(tag in html for tag in MARKUP)


def test_every_page_and_record_shows_the_questions_as_text(review, rest_corpus):
    admin = review.login("anna", PASSWORDS["anna"])
    for page in PAGES:
        response = admin.get(f"{review.url}{page}", timeout=30)
        assert response.status_code == 200 and no_markup_from_the_corpus(response.text), page
    listing = admin.get(f"{review.url}/obesvarade", timeout=30).text
    for sent in rest_corpus.sent:
        for record in sent.records:
            page = admin.get(f"{review.url}/poster/{record['id']}", timeout=30)
            assert page.status_code == 200 and no_markup_from_the_corpus(page.text), sent.message.name
            assert str(escape(record["question"])) in page.text, sent.message.name
    script = rest_corpus.named("script tag").records[0]["question"]
    assert str(escape(script)) in listing or str(escape(script)) in admin.get(f"{review.url}/vanliga-fragor").text


def test_hostile_query_parameters_paths_and_forms_never_give_5xx(review):
    admin = review.login("anna", PASSWORDS["anna"])
    hostile = {"SQL fragment", "SQL in a question", "script tag", "image onerror", "right-to-left text", "emoji",
               "template and format strings", "just over the limit"}
    values = [m.read_as for m in messages() if m.name in hostile] + ["%ff%fe", "2026-13-45", "-1", "9" * 400, "\x00"]
    for value in values:
        for page in PAGES:  # every filter at once on every page
            response = admin.get(f"{review.url}{page}", params={key: value for key in FILTERS}, timeout=30)
            assert response.status_code < 500, (page, value[:40], response.status_code)
            assert no_markup_from_the_corpus(response.text), (page, value[:40])
        for key in FILTERS:  # each filter alone on the admin listing
            response = admin.get(f"{review.url}/obesvarade", params={key: value}, timeout=30)
            assert response.status_code < 500 and no_markup_from_the_corpus(response.text), (key, value[:40])
    raw = ["/oversikt?date_from=%ff%fe%00", "/obesvarade?group_by=%3Cscript%3E", "/poster/'%3B%20DROP%20TABLE%20x",
           "/poster/%00", "/poster/" + "a" * 5000, "/vanliga-fragor/csv/%3Cscript%3E", "/poster/x/%ff",
           "/oversikt?" + "a=b&" * 5000, "/logga-in?nasta=javascript:alert(1)", "/logga-in?nasta=//evil.example"]
    for path in raw:
        response = admin.get(f"{review.url}{path}", timeout=30, allow_redirects=False)
        assert response.status_code < 500, (path[:60], response.status_code)
        assert no_markup_from_the_corpus(response.text), path[:60]


def test_the_record_table_is_intact_after_the_review_app(lotsen, review, rest_corpus):
    count, columns = table_shape(lotsen.db_url)
    assert columns == rest_corpus.table_before[1]
    assert count >= rest_corpus.table_after[0]


def test_hostile_logins_are_refused_without_5xx(review):
    for message in messages()[:12]:
        session = requests.Session()
        token = CSRF_FIELD.search(session.get(f"{review.url}/logga-in", timeout=10).text).group(1)
        for form in ({"username": message.text, "password": message.text}, {"username": "anna", "password": message.text}):
            response = session.post(f"{review.url}/logga-in", data={**form, "csrf_token": token},
                                    allow_redirects=False, timeout=30)
            assert response.status_code in (401, 403, 429), (message.name, response.status_code)
            assert no_markup_from_the_corpus(response.text), message.name
    bodies = [b"&".join([b"username=%ff%fe", b"password=%00", b"csrf_token=x"]), b"\xff\xfe\x00garbage", b"=" * 100_000, b""]
    for body in bodies:
        response = requests.post(f"{review.url}/logga-in", data=body, timeout=30,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code < 500, (body[:30], response.status_code)
    # Logins from this address are now throttled (review/auth.py); the app itself still serves.
    assert requests.get(f"{review.url}/logga-in", timeout=30).status_code == 200
    assert requests.get(f"{review.url}/healthz", timeout=30).text == "ok"
