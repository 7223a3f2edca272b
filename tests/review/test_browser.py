"""In headless Chromium: log in, open the overview and the unanswered list, charts drawn with data."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from actions.records import create_engine, migrate
from review.config import ReviewConfig
from tests.review.conftest import PASSWORDS
from tests.review.live import LiveApp, running_app
from tests.review.seed import EXPECTED_REASONS, EXPECTED_TOTAL, PERIOD, seed
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

        page.goto(f"{live.url}/obesvarade")
        charts = charts_drawn(page)
        assert charts["grupperade"]["points"] == len(EXPECTED_REASONS)
        listed = page.evaluate(CELLS_JS, "poster")
        assert len(listed) == sum(EXPECTED_REASONS.values())
        assert any("Ska vi gå med i Eurocities?" in cell for row in listed for cell in row)
        page.screenshot(artifacts / "obesvarade-admin.png")

        page.goto(f"{live.url}/vanliga-fragor")
        charts_drawn(page)
        page.screenshot(artifacts / "vanliga-fragor-admin.png")
        page.goto(f"{live.url}/motparter")
        charts_drawn(page)
        page.screenshot(artifacts / "motparter-admin.png")
        page.click("header.top form button[type=submit]")  # log out (a CSRF-protected form)
        assert "/logga-in" in page.url

        log_in(page, live, "vera", "/obesvarade")
        charts_drawn(page, all_small=("grupperade",))  # every reason has fewer than five records
        assert page.evaluate(CELLS_JS, "grupperade")[0][1] == "< 5"
        assert page.evaluate(CELLS_JS, "poster") == []
        page.screenshot(artifacts / "obesvarade-granskare.png")
        page.goto(f"{live.url}/oversikt")
        charts_drawn(page)
        assert ["Övriga frågor", "< 5", "–"] in page.evaluate(CELLS_JS, "amnen")
        page.screenshot(artifacts / "oversikt-granskare.png")
        assert page.console_errors() == []
