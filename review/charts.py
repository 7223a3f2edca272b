"""Charts drawn on the server with matplotlib, as SVG images in data URIs.

No JavaScript and no CDN: the same image works in the app, in the mailed
report and with the page's Content-Security-Policy. Charts are drawn from
tables that :func:`review.tables.for_role` has already suppressed, so a
"< 5" group is drawn as a label without a bar.
"""
from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass
from typing import Any, Optional

import matplotlib
from matplotlib.figure import Figure

from review.tables import Small, Table

BAR_COLOUR = "#0058a1"
TEXT_COLOUR = "#222222"
_lock = threading.Lock()  # matplotlib's rc state is global
_RC = {"svg.fonttype": "none", "svg.hashsalt": "lotsen-review", "font.size": 9, "font.family": "DejaVu Sans"}


@dataclass(frozen=True)
class ChartImage:
    data_uri: str
    alt: str
    points: int  # bars drawn with a height (suppressed and zero values excluded)


def _values(table: Table) -> tuple[list[str], list[Any]]:
    chart = table.chart
    assert chart is not None
    rows = table.rows[: chart.limit] if chart.kind == "bar" else table.rows
    labels = [str(r.get(chart.label_key) or "(saknas)") for r in rows]
    return labels, [r.get(chart.value_key) for r in rows]


def _figure(n: int, horizontal: bool) -> Figure:
    height = max(1.6, 0.32 * n + 0.7) if horizontal else 2.8
    fig = Figure(figsize=(6.4, height), dpi=96)
    fig.patch.set_facecolor("white")
    return fig


def _draw(fig: Figure, labels: list[str], values: list[Any], horizontal: bool) -> int:
    ax = fig.add_subplot(1, 1, 1)
    heights = [v if isinstance(v, (int, float)) and not isinstance(v, Small) else 0 for v in values]
    positions = list(range(len(labels)))
    if horizontal:
        ax.barh(positions, heights, color=BAR_COLOUR)
        ax.set_yticks(positions)
        ax.set_yticklabels(labels)
        ax.invert_yaxis()
        ax.xaxis.get_major_locator().set_params(integer=True)
    else:
        ax.bar(positions, heights, color=BAR_COLOUR)
        ax.set_xticks(positions)
        ax.set_xticklabels(labels, rotation=45 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center")
        ax.yaxis.get_major_locator().set_params(integer=True)
    top = max(heights, default=0) or 1
    for pos, value, height in zip(positions, values, heights, strict=True):
        text = str(value) if isinstance(value, Small) else f"{height:g}"
        if horizontal:
            ax.text(height + top * 0.01, pos, text, va="center", ha="left", color=TEXT_COLOUR)
        else:
            ax.text(pos, height + top * 0.01, text, va="bottom", ha="center", color=TEXT_COLOUR)
    if horizontal:
        ax.set_xlim(0, top * 1.15)
    else:
        ax.set_ylim(0, top * 1.15)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return sum(1 for h in heights if h > 0)


def render_chart(table: Table) -> Optional[ChartImage]:
    """The table's chart as an SVG data URI, or None when it has no chart or no rows."""
    if table.chart is None or not table.rows:
        return None
    labels, values = _values(table)
    horizontal = table.chart.kind == "bar"
    with _lock, matplotlib.rc_context(_RC):
        fig = _figure(len(labels), horizontal)
        points = _draw(fig, labels, values, horizontal)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = f"Diagram: {table.title}. Siffrorna finns i tabellen bredvid."
    return ChartImage(data_uri=f"data:image/svg+xml;base64,{encoded}", alt=alt, points=points)


def sparkline(values: list[int], width: int = 80, height: int = 18) -> str:
    """A tiny inline SVG polyline of weekly counts (numbers only, so safe to inline)."""
    if len(values) < 2:
        return ""
    top = max(values) or 1
    step = width / (len(values) - 1)
    points = " ".join(f"{i * step:.1f},{height - 1 - (v / top) * (height - 2):.1f}" for i, v in enumerate(values))
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-hidden="true">'
        f'<polyline fill="none" stroke="{BAR_COLOUR}" stroke-width="1.5" points="{points}"/></svg>'
    )
