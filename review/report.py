"""The periodic report: one self-contained HTML file (charts embedded) and a zip of CSV files.

``python -m review.report --from 2026-01-01 --to 2026-03-31`` (``make report
FROM=... TO=...``) writes both under ``var/reports/``. The report is meant for
mailing, so it always applies the viewer rules: aggregates only, groups of
fewer than five records shown as "< 5".
"""
from __future__ import annotations

import argparse
import io
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Optional

from sqlalchemy.engine import Engine

from actions.records import create_engine, migrate
from review import pages
from review.clusters import Lemmatizer, content_lemmatizer
from review.config import ReviewConfig, load_config
from review.editor_preview import KnowledgeEditor
from review.filters import period
from review.render import TableView, present, render_template
from review.tables import Table, to_csv

UNANSWERED_REPORT_GROUPS = ("reason", "topic")


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    csv_zip: Path


def report_tables(
    engine: Engine, config: ReviewConfig, date_from: date, date_to: date, lemmatizer: Lemmatizer
) -> list[tuple[str, str, list[Table]]]:
    """(page key, section title, tables) for every section of the report."""
    filters = period(date_from, date_to)
    sections = []
    with engine.connect() as conn:
        for spec in pages.PAGES.values():
            ctx = pages.PageContext(conn, filters, config, lambda: lemmatizer)
            if spec.key == "obesvarade":
                tables = [
                    replace(table, key=f"{table.key}_{group}")
                    for group in UNANSWERED_REPORT_GROUPS
                    for table in spec.build(replace(ctx, group_by=group))
                ]
            else:
                tables = spec.build(ctx)
            sections.append((spec.key, spec.title, tables))
    return sections


def csv_bundle(sections: list[tuple[str, str, list[Table]]], config: ReviewConfig) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for key, _, tables in sections:
            for view in present(tables, admin=False, threshold=config.small_group, charts=False):
                bundle.writestr(f"{key}-{view.table.key}.csv", to_csv(view.table))
    return buffer.getvalue()


def write_report(
    engine: Engine, config: ReviewConfig, date_from: date, date_to: date,
    out_dir: Optional[Path] = None, lemmatizer: Optional[Lemmatizer] = None,
) -> ReportFiles:
    out_dir = out_dir or config.reports_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = report_tables(engine, config, date_from, date_to, lemmatizer or content_lemmatizer())
    views: list[tuple[str, list[TableView]]] = [
        (title, present(tables, admin=False, threshold=config.small_group)) for _, title, tables in sections
    ]
    start = datetime.combine(date_from, time.min, tzinfo=timezone.utc)
    end = datetime.combine(date_to, time.min, tzinfo=timezone.utc) + timedelta(days=1)
    versions = KnowledgeEditor.for_engine(engine).store.live_between(start, end)
    stem = f"lotsen-rapport-{date_from.isoformat()}_{date_to.isoformat()}"
    html_path, zip_path = out_dir / f"{stem}.html", out_dir / f"{stem}-csv.zip"
    html_path.write_text(
        render_template(
            "report.html", sections=views, date_from=date_from.isoformat(), date_to=date_to.isoformat(),
            period=f"{date_from.isoformat()}–{date_to.isoformat()}", small_group=config.small_group,
            generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), versions=versions,
        ),
        encoding="utf-8",
    )
    zip_path.write_bytes(csv_bundle(sections, config))
    return ReportFiles(html_path, zip_path)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.report", description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="date_from", type=date.fromisoformat, required=True)
    parser.add_argument("--to", dest="date_to", type=date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path, default=None, help="folder (default: reports_dir, var/reports)")
    args = parser.parse_args(argv)
    if args.date_from > args.date_to:
        parser.error("--from is after --to")
    config = load_config()
    engine = create_engine(config.database_url)
    migrate(engine)
    files = write_report(engine, config, args.date_from, args.date_to, args.out)
    print(f"Rapport: {files.html}\nCSV-filer: {files.csv_zip}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
