"""In headless Chromium: log in, open the overview and the unanswered list, charts drawn with data;
every page a person sees passes axe-core's WCAG 2.1 A/AA rules (tests/support/axe.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from actions.records import create_engine, migrate
from review.config import ReviewConfig
from tests.review.conftest import PASSWORDS
from tests.review.live import LiveApp, running_app
from review.pages import PAGES
from review.report import write_report
from tests.review.seed import EXPECTED_REASONS, EXPECTED_TOTAL, PERIOD, seed
from tests.support.axe import assert_accessible
from tests.support.browser import Page, headless_page

# For every chart: loaded, its size, how many bars it says it drew, and how many
# pixels carry the bar colour once the image is painted on a canvas.
CHARTS_JS = """
async () => {
  const out = [];
  for (const img of document.querySelectorAll('img.chart')) {
    await img.decode().catch(() => null);
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    let bar = 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - 0) < 24 && Math.abs(data[i + 1] - 88) < 24 && Math.abs(data[i + 2] - 161) < 24) bar++;
    }
    out.push({ table: img.dataset.table, complete: img.complete, width: img.naturalWidth,
               points: Number(img.dataset.points), bar });
  }
  return out;
}
"""
CELLS_JS = """
(key) => Array.from(document.querySelectorAll(`table[data-table="${key}"] tbody tr`))
  .map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.innerText.trim()))
"""
# What Chromium logs for a page that arrives with an error status.
HTTP_STATUS_LOGGED = "Failed to load resource: the server responded with a status of {}"


@pytest.fixture
def sqlite_live(tmp_path: Path, config: ReviewConfig, lemmatizer) -> Iterator[LiveApp]:
    engine: Engine = create_engine(f"sqlite:///{tmp_path / 'records.db'}")
    migrate(engine)
    seed(engine)
    with running_app(engine, config, lemmatizer, today=PERIOD[1]) as live:
        yield live
    engine.dispose()


def charts_drawn(page: Page, all_small: tuple[str, ...] = ()) -> dict[str, dict]:
    """The page's charts, each checked to be loaded and painted with bars (unless all its groups are "< 5")."""
    charts = {c["table"]: c for c in page.evaluate(CHARTS_JS)}
    assert charts
    for key, chart in charts.items():
        assert chart["complete"] and chart["width"] > 100, key
        if key in all_small:
            assert chart["points"] == 0 and chart["bar"] == 0, chart
        else:
            assert chart["points"] > 0 and chart["bar"] > 200, chart  # bars really painted
    return charts


def log_in(page: Page, live: LiveApp, user: str, target: str) -> None:
    page.goto(f"{live.url}{target}")
    assert "/logga-in" in page.url
    assert_accessible(page, f"the login page (before {user} logs in)")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("section.login button[type=submit]")
    assert page.url.endswith(target), page.url


def test_admin_and_viewer_pages_render_with_charts(sqlite_live: LiveApp, artifacts: Path) -> None:
    live = sqlite_live
    with headless_page() as page:
        log_in(page, live, "anna", "/oversikt")
        charts = charts_drawn(page)
        assert set(charts) == {"per_vecka", "amnen", "forvaltningar", "kanaler", "utfall", "aterkoppling"}
        assert charts["per_vecka"]["points"] == 8  # weeks with questions
        assert page.evaluate(CELLS_JS, "nyckeltal")[0][:2] == ["Frågor", str(EXPECTED_TOTAL)]
        assert page.evaluate(CELLS_JS, "amnen")[0][:2] == ["Vänortsavtal", "8"]
        page.screenshot(artifacts / "oversikt-admin.png")
        assert_accessible(page, "Översikt (admin)")

        page.goto(f"{live.url}/obesvarade")
        charts = charts_drawn(page)
        assert charts["grupperade"]["points"] == len(EXPECTED_REASONS)
        listed = page.evaluate(CELLS_JS, "poster")
        assert len(listed) == sum(EXPECTED_REASONS.values())
        assert any("Ska vi gå med i Eurocities?" in cell for row in listed for cell in row)
        page.screenshot(artifacts / "obesvarade-admin.png")
        assert_accessible(page, "Obesvarade (admin)")
        record = page.evaluate("() => document.querySelector('table[data-table=poster] a[href^=\"/poster/\"]').getAttribute('href')")

        page.goto(f"{live.url}/vanliga-fragor")
        charts_drawn(page)
        page.screenshot(artifacts / "vanliga-fragor-admin.png")
        assert_accessible(page, "Vanliga frågor (admin)")
        page.goto(f"{live.url}/motparter")
        charts_drawn(page)
        page.screenshot(artifacts / "motparter-admin.png")
        assert_accessible(page, "Motparter (admin)")
        for key in PAGES.keys() - {"oversikt", "obesvarade", "vanliga-fragor", "motparter"}:  # pages added later
            assert page.goto(f"{live.url}/{key}") == 200, key
            assert_accessible(page, f"{PAGES[key].title} (admin)")

        assert page.goto(f"{live.url}{record}") == 200
        assert page.evaluate("() => document.querySelectorAll('main table tbody tr').length") >= 1
        page.screenshot(artifacts / "post-admin.png")
        assert_accessible(page, "a record page (admin)")
        assert page.goto(f"{live.url}/granskningslogg") == 200
        assert page.evaluate("() => document.querySelectorAll('table[data-table=logg] tbody tr').length") >= 1
        assert_accessible(page, "Granskningslogg (admin)")
        assert page.console_errors() == []
        assert page.goto(f"{live.url}/poster/finns-inte") == 404
        assert page.evaluate("() => document.querySelector('.error').textContent") == "Posten finns inte."
        assert_accessible(page, "the error page (a record that does not exist)")
        assert page.goto(f"{live.url}/finns-inte") == 404
        assert_accessible(page, "the error page (an address that does not exist)")
        assert page.console_errors() == [HTTP_STATUS_LOGGED.format("404 (Not Found)")] * 2  # the pages' own status
        page.click("header.top form button[type=submit]")  # log out (a CSRF-protected form)
        assert "/logga-in" in page.url

        log_in(page, live, "vera", "/obesvarade")
        charts_drawn(page, all_small=("grupperade",))  # every reason has fewer than five records
        assert page.evaluate(CELLS_JS, "grupperade")[0][1] == "< 5"
        assert page.evaluate(CELLS_JS, "poster") == []
        page.screenshot(artifacts / "obesvarade-granskare.png")
        assert_accessible(page, "Obesvarade (viewer)")
        page.goto(f"{live.url}/oversikt")
        charts_drawn(page)
        assert ["Övriga frågor", "< 5", "–"] in page.evaluate(CELLS_JS, "amnen")
        page.screenshot(artifacts / "oversikt-granskare.png")
        assert_accessible(page, "Översikt (viewer)")
        for key in PAGES.keys() - {"oversikt", "obesvarade"}:
            assert page.goto(f"{live.url}/{key}") == 200, key
            assert_accessible(page, f"{PAGES[key].title} (viewer)")
        assert page.console_errors() == []
        assert page.goto(f"{live.url}{record}") == 403  # viewers may not open records: the error page
        assert_accessible(page, "the error page (403 for a viewer)")
        assert page.console_errors() == [HTTP_STATUS_LOGGED.format("403 (Forbidden)")]


def test_login_failure_and_expired_form_pages_pass_axe(sqlite_live: LiveApp) -> None:
    live = sqlite_live
    with headless_page() as page:
        page.goto(f"{live.url}/logga-in")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", "fel lösenord")
        page.click("section.login button[type=submit]")
        assert page.evaluate("() => document.querySelector('.error').textContent") == "Fel användarnamn eller lösenord."
        assert_accessible(page, "the login page with its error")
        # A form whose CSRF token no longer fits (e.g. opened before the session changed).
        page.evaluate("() => { document.querySelector('input[name=csrf_token]').value = 'gammal'; }")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORDS["anna"])
        page.click("section.login button[type=submit]")
        assert "Formuläret har gått ut" in page.evaluate("() => document.querySelector('.error').textContent")
        assert_accessible(page, "the error page (an expired form)")


def test_report_passes_axe(tmp_path: Path, config: ReviewConfig, lemmatizer, artifacts: Path) -> None:
    """The mailed report (make report), opened as the file it is."""
    engine = create_engine(f"sqlite:///{tmp_path / 'records.db'}")
    migrate(engine)
    seed(engine)
    files = write_report(engine, config, PERIOD[0], PERIOD[1], tmp_path / "reports", lemmatizer)
    engine.dispose()
    with headless_page() as page:
        page.goto(files.html.as_uri())
        assert page.evaluate("() => document.querySelectorAll('img.chart').length") >= 8
        page.screenshot(artifacts / "rapport.png")
        assert_accessible(page, "the report (make report)")
