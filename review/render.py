"""HTML rendering shared by the web app and the report: templates, cells, charts."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Sequence
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from review.charts import ChartImage, render_chart, sparkline
from review.tables import Column, Small, Table, for_role, format_count, format_share

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


@dataclass(frozen=True)
class TableView:
    table: Table
    chart: Optional[ChartImage]


def present(tables: Sequence[Table], admin: bool, threshold: int, charts: bool = True) -> list[TableView]:
    """Tables as the role may see them, each with its chart drawn from the same figures."""
    views = []
    for table in tables:
        shown = for_role(table, admin, threshold)
        views.append(TableView(shown, render_chart(shown) if charts else None))
    return views


def cell_html(value: Any, column: Column) -> Markup:
    if value is None:
        return Markup('<span class="muted">–</span>') if column.kind in ("share", "count") else Markup("")
    if isinstance(value, Small):
        return Markup('<span class="small-group">{}</span>').format(str(value))
    if column.kind == "count":
        return Markup(escape(format_count(value)))
    if column.kind == "share":
        return Markup(escape(format_share(value)))
    if column.kind == "list":
        return Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(v) for v in value))
    if column.kind == "pairs":
        return Markup(", ").join(Markup("{}: {}").format(name, format_count(n)) for name, n in value)
    if column.kind == "spark":
        return Markup(sparkline(list(value)))
    if column.kind == "link":
        ident = quote(str(value), safe="")
        return Markup(
            '<a href="/poster/{0}">Öppna</a> · '
            '<a href="/poster/{0}/traningsexempel">Träningsexempel</a> · '
            '<a href="/poster/{0}/kunskapspost">Kunskapspost</a>'
        ).format(ident)
    return Markup(escape(str(value)))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell_html
    env.filters["count"] = format_count
    env.globals["stylesheet"] = lambda: (STATIC / "review.css").read_text(encoding="utf-8")
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
