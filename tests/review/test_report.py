"""The periodic report: HTML with embedded charts and a CSV bundle of the same figures."""
from __future__ import annotations

import csv
import html as htmllib
import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine

from actions.records import create_engine, migrate
from review.config import ReviewConfig
from review.report import write_report
from tests.review.seed import EXPECTED_TOTAL, FALLBACKS, PERIOD, seed

ROOT = Path(__file__).resolve().parents[2]


def row_after(html: str, label: str) -> list[str]:
    """The cells of the first table row whose first cell is ``label``."""
    match = re.search(rf"<tr><td class=\"text\">{re.escape(label)}</td>(.*?)</tr>", html, re.S)
    assert match, label
    cells = re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", cell)).replace("\u00a0", " ") for cell in cells]


def check_report(html_path: Path, zip_path: Path) -> None:
    html = html_path.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
    assert html.count('src="data:image/svg+xml;base64,') >= 8
    assert row_after(html, "Frågor") == [str(EXPECTED_TOTAL), "–"]
    assert row_after(html, "Vänortsavtal")[:2] == ["8", "34,8 %"]
    assert row_after(html, "Kulturförvaltningen")[:2] == ["12", "52,2 %"]
    assert row_after(html, "Studieresor utomlands")[:2] == ["< 5", "–"]
    assert row_after(html, "Berlin")[:3] == ["Stad", "8", "Vänortsavtal: 8"]
    assert "Kan staden teckna ett vänortsavtal med Berlin?" in html
    for question in [*FALLBACKS, "Ska vi gå med i Eurocities?", "Har Stockholm några vänorter i Tyskland?"]:
        assert question not in html
    with zipfile.ZipFile(zip_path) as bundle:
        names = set(bundle.namelist())
        assert {
            "oversikt-amnen.csv", "oversikt-per_vecka.csv", "vanliga-fragor-grupper.csv", "motparter-motparter.csv",
            "obesvarade-grupperade_reason.csv", "obesvarade-grupperade_topic.csv",
        } <= names
        raw = bundle.read("oversikt-amnen.csv")
        assert raw.startswith("\ufeff".encode("utf-8"))
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == ["Ämne", "Antal", "Andel (%)"]
        assert rows[1] == ["Vänortsavtal", "8", "34,8"] and ["Internationella nätverk", "< 5", ""] in rows
        weeks = list(csv.reader(io.StringIO(bundle.read("oversikt-per_vecka.csv").decode("utf-8-sig")), delimiter=";"))
        assert len(weeks) == 13 and weeks[6] == ["2026 v. 7", "2026-02-09", "5"]
        reasons = bundle.read("obesvarade-grupperade_reason.csv").decode("utf-8-sig")
        assert "Kunde inte svara;< 5;" in reasons


def test_report_contains_the_expected_figures(seeded: Engine, config: ReviewConfig, lemmatizer, tmp_path: Path) -> None:
    files = write_report(seeded, config, *PERIOD, out_dir=tmp_path, lemmatizer=lemmatizer)
    assert files.html.name == "lotsen-rapport-2026-01-05_2026-03-29.html"
    check_report(files.html, files.csv_zip)


def test_make_report_writes_the_files(password_hashes, tmp_path: Path) -> None:
    db = tmp_path / "records.db"
    engine = create_engine(f"sqlite:///{db}")
    migrate(engine)
    seed(engine)
    engine.dispose()
    config_file = tmp_path / "review.yml"
    config_file.write_text(yaml.safe_dump({
        "session_secret": "s" * 40, "database_url": f"sqlite:///{db}",
        "users": {"anna": {"role": "admin", "password_hash": password_hashes["anna"]}},
    }))
    out = tmp_path / "reports"
    env = dict(os.environ, LOTSEN_REVIEW_CONFIG=str(config_file), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        ["make", "--no-print-directory", "-f", "mk/review.mk", "report", f"FROM={PERIOD[0]}", f"TO={PERIOD[1]}",
         f"REPORT_DIR={out}", "VENV=.venv"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    stem = out / "lotsen-rapport-2026-01-05_2026-03-29"
    check_report(stem.with_suffix(".html"), out / f"{stem.name}-csv.zip")
    usage = subprocess.run(["make", "-f", "mk/review.mk", "report", "VENV=.venv"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode != 0 and "usage: make report" in usage.stderr


def test_report_names_the_knowledge_versions_live_in_its_period(engine: Engine, config: ReviewConfig, lemmatizer,
                                                                 tmp_path: Path) -> None:
    from datetime import datetime, timezone


    from actions.knowledge_versions import knowledge_versions
    from review.editor_preview import KnowledgeEditor

    store = KnowledgeEditor.for_engine(engine).store
    first = KnowledgeEditor.for_engine(engine).live()
    entries = [dict(e, answer=e["answer"] + " Ändrat.") if e["id"] == "natverk.medlemskap" else e for e in first.entries]
    second = store.publish(entries, "r1")
    third = store.publish(first.entries, "r1")
    with engine.begin() as conn:  # publication dates: before, inside and after the period
        for version, day in ((first, datetime(2025, 12, 1)), (second, datetime(2026, 2, 1)), (third, datetime(2026, 5, 1))):
            conn.execute(knowledge_versions.update().where(knowledge_versions.c.id == version.id)
                         .values(published_at=day.replace(tzinfo=timezone.utc)))
    html = write_report(engine, config, *PERIOD, out_dir=tmp_path, lemmatizer=lemmatizer).html.read_text()
    line = html.split('id="versions">')[1].split("</p>")[0]
    assert "version 1 (publicerad 2025-12-01)" in line and f"version {second.id} (publicerad 2026-02-01)" in line
    assert f"version {third.id}" not in line
