"""Tables of figures: the one model behind every HTML table, chart and CSV file.

A page builds :class:`Table` objects with raw numbers; :func:`for_role`
applies the small-group rule for viewers (any count of 1-4 records becomes
"< 5", and a small group's text columns are blanked); then the same table is
rendered as HTML, drawn as a chart and written as CSV, so the three always agree.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Optional, Sequence

CellKind = Literal["text", "count", "share", "list", "pairs", "spark", "link"]


@dataclass(frozen=True)
class Small:
    """A suppressed count: shown as "< 5"."""

    threshold: int

    def __str__(self) -> str:
        return f"< {self.threshold}"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: CellKind = "text"
    share_of: Optional[str] = None  # for "share" columns: the count column they belong to
    sensitive: bool = False  # text taken from the records themselves: blanked for small groups
    admin_only: bool = False  # dropped for viewers


@dataclass(frozen=True)
class Chart:
    label_key: str
    value_key: str
    kind: Literal["bar", "column"] = "bar"  # horizontal bars, or vertical columns over time
    limit: int = 15  # the biggest rows charted


@dataclass
class Table:
    key: str  # unique on its page; the CSV file name
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    size_key: str = "count"  # the column holding each row's number of records
    chart: Optional[Chart] = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    empty: str = "Inga frågor under perioden."

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def is_small(value: Any, threshold: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold


def _mask_row(row: dict[str, Any], columns: Sequence[Column], size_key: str, threshold: int) -> dict[str, Any]:
    small_group = is_small(row.get(size_key), threshold)
    out = dict(row)
    for col in columns:
        value = row.get(col.key)
        if col.kind == "count" and is_small(value, threshold):
            out[col.key] = Small(threshold)
        elif col.kind == "share" and col.share_of and is_small(row.get(col.share_of), threshold):
            out[col.key] = None
        elif col.kind == "pairs" and value:
            out[col.key] = [(name, Small(threshold) if is_small(n, threshold) else n) for name, n in value]
        if col.sensitive and small_group:
            out[col.key] = None
    return out


def for_role(table: Table, admin: bool, threshold: int) -> Table:
    """The table as the role may see it: unchanged for admins, suppressed for viewers."""
    if admin:
        return table
    columns = [c for c in table.columns if not c.admin_only]
    rows = [_mask_row(r, columns, table.size_key, threshold) for r in table.rows]
    return replace(table, columns=columns, rows=rows)


def format_count(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", "\u00a0")
    return "" if value is None else str(value)


def format_share(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",") + "\u00a0%"


def share(part: int, whole: int) -> Optional[float]:
    return 100.0 * part / whole if whole else None


def text_cell(value: Any, column: Column) -> str:
    """A cell as plain text, for CSV and for the HTML table's simple columns."""
    if value is None:
        return ""
    if isinstance(value, Small):
        return str(value)
    if column.kind == "count":
        return str(value)
    if column.kind == "share":
        return f"{value:.1f}".replace(".", ",")
    if column.kind == "list":
        return " | ".join(str(v) for v in value)
    if column.kind == "pairs":
        return ", ".join(f"{name}: {n}" for name, n in value)
    if column.kind == "spark":
        return " ".join(str(v) for v in value)
    if column.kind == "link":
        return ""
    return str(value)


# A cell starting with one of these is a formula to Excel and LibreOffice
# (=HYPERLINK(...) in a question would run when the export is opened).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` that a spreadsheet shows as text: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any, column: Column) -> str:
    text = text_cell(value, column)
    return text if column.kind in ("count", "share") else spreadsheet_safe(text)


def to_csv(table: Table) -> bytes:
    """UTF-8 with BOM and semicolons, as Swedish Excel opens by double-click."""
    columns = [c for c in table.columns if c.kind != "link"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.label + (" (%)" if c.kind == "share" else "") for c in columns])
    for row in table.rows:
        writer.writerow([csv_cell(row.get(c.key), c) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
