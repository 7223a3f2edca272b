"""What each page shows, as tables of raw figures (see :mod:`review.tables`).

The web app, the CSV exports and the periodic report all call these
builders; none of them knows about HTTP or roles (suppression is applied
afterwards by :func:`review.tables.for_role`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from actions.records import engagement_records as er
from actions.records import utcnow
from review import audit, queries
from review.assessments import assessment_counts
from review.clusters import Lemmatizer, cluster_questions, mondays, trend
from review.config import ReviewConfig
from review.filters import Filters
from review.labels import ENGAGEMENT_TOPICS, label, topic_label
from review.tables import Chart, Column, Table, share

COUNT = Column("count", "Antal", "count")
SHARE = Column("share", "Andel", "share", share_of="count")
UNANSWERED_GROUPS = {
    "reason": "Orsak",
    "topic": "Ämne",
    "department": "Förvaltning",
    "channel": "Kanal",
    "counterpart": "Motpart",
    "intent": "Tolkad avsikt",
}
MAX_CLUSTERS = 100
MAX_LISTED = 500


@dataclass
class PageContext:
    conn: Connection
    filters: Filters
    config: ReviewConfig
    lemmatizer: Callable[[], Lemmatizer]
    group_by: str = "reason"


@dataclass(frozen=True)
class PageSpec:
    key: str  # URL path segment
    title: str
    build: Callable[[PageContext], list[Table]]
    admin_only: bool = False
    extra_params: tuple[str, ...] = field(default=())


def distribution(
    ctx: PageContext, key: str, title: str, group: str, heading: str,
    *extra: ColumnElement, column: Optional[ColumnElement] = None,
) -> Table:
    """Counts and shares of the records per value of one column."""
    pairs = queries.counts_by(ctx.conn, ctx.filters, column if column is not None else queries.GROUPABLE[group], *extra)
    whole = sum(n for _, n in pairs)
    rows = [{"label": label(group, value), "value": value, "count": n, "share": share(n, whole)} for value, n in pairs]
    return Table(key, title, [Column("label", heading), COUNT, SHARE], rows, chart=Chart("label", "count"))


def weekly(ctx: PageContext) -> Table:
    found = dict(queries.counts_by_week(ctx.conn, ctx.filters))
    rows = []
    for monday in mondays(ctx.filters.date_from, ctx.filters.date_to):
        year, week, _ = monday.isocalendar()
        rows.append({
            "week": f"{year} v. {week}", "monday": monday.isoformat(), "short": f"v{week}",
            "count": found.get(monday, 0),
        })
    columns = [Column("week", "Vecka"), Column("monday", "Måndag"), COUNT]
    return Table("per_vecka", "Frågor per vecka", columns, rows, chart=Chart("short", "count", kind="column"))


def key_figures(ctx: PageContext) -> Table:
    conn, f, low = ctx.conn, ctx.filters, ctx.config.low_confidence
    total = queries.total(conn, f)
    figures = [
        ("Frågor", total),
        ("Besvarade", queries.total(conn, f, er.c.outcome == "answered")),
        ("Obesvarade (kunde inte svara, närmaste post, osäker tolkning eller tumme ned)",
         queries.total(conn, f, queries.unanswered(low))),
        ("Tumme upp", queries.total(conn, f, er.c.feedback == "up")),
        ("Tumme ned", queries.total(conn, f, er.c.feedback == "down")),
        ("Samtal", conn.execute(
            sa.select(sa.func.count(sa.distinct(er.c.conversation_id))).where(*queries.where(f))
        ).scalar_one()),
    ]
    rows = [{"label": name, "count": n, "share": share(n, total) if i else None} for i, (name, n) in enumerate(figures)]
    return Table("nyckeltal", "Nyckeltal", [Column("label", "Mått"), COUNT, SHARE], rows)


def overview(ctx: PageContext) -> list[Table]:
    return [
        key_figures(ctx),
        weekly(ctx),
        distribution(ctx, "amnen", "Frågor per ämne", "topic", "Ämne"),
        distribution(ctx, "forvaltningar", "Frågor per förvaltning", "department", "Förvaltning"),
        distribution(ctx, "kanaler", "Frågor per kanal", "channel", "Kanal"),
        distribution(ctx, "utfall", "Utfall", "outcome", "Utfall"),
        distribution(ctx, "aterkoppling", "Återkoppling", "feedback", "Återkoppling"),
    ]


def common_questions(ctx: PageContext) -> list[Table]:
    clusters = cluster_questions(queries.question_rows(ctx.conn, ctx.filters), ctx.lemmatizer())
    weeks = mondays(ctx.filters.date_from, ctx.filters.date_to)
    rows = []
    for rank, cluster in enumerate(clusters[:MAX_CLUSTERS], start=1):
        per_week = cluster.weekly(weeks)
        group = topic_label(cluster.topic) + (f" · {cluster.counterpart}" if cluster.counterpart else "")
        rows.append({
            "rank": rank,
            "group": group,
            "chart_label": f"{rank}. {group}",
            "keywords": ", ".join(cluster.keywords()) or "(text rensad)",
            "count": cluster.count,
            "trend": trend(per_week),
            "spark": per_week,
            "examples": cluster.examples(),
        })
    columns = [
        Column("rank", "Nr"),
        Column("group", "Ämne och motpart"),
        Column("keywords", "Nyckelord", sensitive=True),
        COUNT,
        Column("trend", "Trend", sensitive=True),
        Column("spark", "Per vecka", "spark", admin_only=True),
        Column("examples", "Exempel på formuleringar", "list", sensitive=True),
    ]
    note = f"{len(clusters)} grupper" + (f", de {MAX_CLUSTERS} största visas" if len(clusters) > MAX_CLUSTERS else "")
    return [Table("grupper", "Vanliga frågor", columns, rows, chart=Chart("chart_label", "count"), note=note)]


def _unanswered_groups(ctx: PageContext) -> Table:
    low = ctx.config.low_confidence
    group = ctx.group_by if ctx.group_by in UNANSWERED_GROUPS else "reason"
    column = queries.reason(low) if group == "reason" else queries.GROUPABLE[group]
    table = distribution(
        ctx, "grupperade", f"Obesvarade per {UNANSWERED_GROUPS[group].lower()}", group,
        UNANSWERED_GROUPS[group], queries.unanswered(low), column=column,
    )
    return table


def unanswered_list(ctx: PageContext) -> Table:
    """The unanswered records themselves (admins only), grouped and newest first."""
    group = ctx.group_by if ctx.group_by in UNANSWERED_GROUPS else "reason"
    records = queries.unanswered_records(ctx.conn, ctx.filters, ctx.config.low_confidence, MAX_LISTED)
    rows = [
        {
            "id": r["id"],
            "group": label(group, r[group]),
            "created_at": r["created_at"].strftime("%Y-%m-%d %H:%M"),
            "reason": label("reason", r["reason"]),
            "topic": topic_label(r["topic"]),
            "question": r["question"],
            "comment": r["feedback_comment"] or "",
            "confidence": "" if r["intent_confidence"] is None else f"{r['intent_confidence']:.2f}".replace(".", ","),
            "department": r["department"] or "",
            "channel": label("channel", r["channel"]),
        }
        for r in records
    ]
    rows.sort(key=lambda row: row["group"])  # stable: newest first within each group
    shown_anyway = ("reason", "topic", "department", "channel")
    columns = [Column("group", UNANSWERED_GROUPS[group])] if group not in shown_anyway else []
    columns += [
        Column("created_at", "Tid (UTC)"),
        Column("reason", "Orsak"),
        Column("topic", "Ämne"),
        Column("question", "Fråga", sensitive=True),
        Column("comment", "Kommentar", sensitive=True),
        Column("confidence", "Säkerhet"),
        Column("department", "Förvaltning"),
        Column("channel", "Kanal"),
        Column("id", "Post", "link", admin_only=True),
    ]
    note = f"De {MAX_LISTED} senaste visas." if len(records) == MAX_LISTED else ""
    return Table("poster", "Obesvarade frågor", columns, rows, size_key="", note=note, extra={"records": True})


def unanswered(ctx: PageContext) -> list[Table]:
    return [_unanswered_groups(ctx)]


def _assessment_table(ctx: PageContext) -> Optional[Table]:
    """Assessments per engagement type and verdict, or None without the assessments table."""
    counted = assessment_counts(ctx.conn, ctx.filters, "engagement_type", "verdict")
    if counted is None:
        return None
    rows = [
        {"label": f"{label('engagement_type', kind)}: {label('verdict', verdict)}",
         "type": label("engagement_type", kind), "verdict": label("verdict", verdict), "count": n}
        for kind, verdict, n in counted
    ]
    columns = [Column("type", "Engagemangstyp"), Column("verdict", "Bedömning"), COUNT]
    return Table(
        "bedomningar", "Bedömningar i beslutsstödet", columns, rows, chart=Chart("label", "count"),
        empty="Inga bedömningar under perioden.",
    )


def engagements(ctx: PageContext) -> list[Table]:
    conn, f = ctx.conn, ctx.filters
    has_counterpart = er.c.counterpart.is_not(None)
    topics: dict[str, list[tuple[str, int]]] = {}
    for counterpart, topic, n in queries.counts_by_pair(conn, f, er.c.counterpart, er.c.topic, has_counterpart):
        topics.setdefault(str(counterpart), []).append((topic_label(topic), n))
    verdicts = assessment_counts(conn, f, "counterpart", "verdict")
    by_counterpart: dict[str, list[tuple[str, int]]] = {}
    for counterpart, verdict, n in verdicts or []:
        by_counterpart.setdefault(str(counterpart), []).append((label("verdict", verdict), n))
    rows = [
        {"label": counterpart, "type": label("counterpart_type", ctype), "count": n,
         "topics": topics.get(str(counterpart), []), "assessments": by_counterpart.get(str(counterpart), [])}
        for counterpart, ctype, n in sorted(
            queries.counts_by_pair(conn, f, er.c.counterpart, er.c.counterpart_type, has_counterpart),
            key=lambda t: (-t[2], str(t[0])),
        )
    ]
    columns = [Column("label", "Motpart"), Column("type", "Typ"), COUNT, Column("topics", "Ämnen", "pairs")]
    if verdicts is not None:
        columns.append(Column("assessments", "Bedömningar", "pairs"))
    note = "" if verdicts is not None else "Bedömningar visas här när beslutsstödet sparar dem."
    tables = [
        Table("motparter", "Motparter som frågorna gäller", columns, rows, chart=Chart("label", "count"), note=note),
        distribution(ctx, "motpartstyper", "Typ av motpart", "counterpart_type", "Typ", has_counterpart),
        distribution(
            ctx, "engagemangstyper", "Engagemangstyper med motpart", "topic", "Engagemangstyp",
            has_counterpart, er.c.topic.in_(ENGAGEMENT_TOPICS),
        ),
    ]
    assessed = _assessment_table(ctx)
    return tables + ([assessed] if assessed is not None else [])


PAGES: dict[str, PageSpec] = {
    spec.key: spec
    for spec in (
        PageSpec("oversikt", "Översikt", overview),
        PageSpec("vanliga-fragor", "Vanliga frågor", common_questions),
        PageSpec("obesvarade", "Obesvarade", unanswered, extra_params=("group_by",)),
        PageSpec("motparter", "Motparter och engagemang", engagements),
    )
}


def audit_table(conn: Connection, days: int = 30) -> Table:
    rows = [
        {
            "at": e["at"].strftime("%Y-%m-%d %H:%M:%S"), "username": e["username"], "role": e["role"],
            "action": AUDIT_LABELS.get(e["action"], e["action"]), "record_id": e["record_id"] or "",
            "detail": e["detail"] or "",
        }
        for e in audit.entries(conn, utcnow() - timedelta(days=days))
    ]
    columns = [
        Column("at", "Tid (UTC)"), Column("username", "Användare"), Column("role", "Roll"),
        Column("action", "Händelse"), Column("record_id", "Post"), Column("detail", "Detaljer"),
    ]
    return Table("logg", f"Granskningslogg, senaste {days} dagarna", columns, rows, size_key="")


AUDIT_LABELS = {
    "open_record": "Öppnade post",
    "export_record": "Exporterade post",
    "list_unanswered": "Listade obesvarade frågor",
    "export_unanswered": "Exporterade obesvarade frågor",
    "login": "Inloggning",
    "login_failed": "Misslyckad inloggning",
    "purge": "Gallring",
    "save_draft": "Sparade utkast",
    "request_approval": "Skickade utkast för godkännande",
    "publish": "Publicerade",
    "approve": "Godkände och publicerade",
    "rollback": "Återställde version",
    "retire_entry": "Avvecklade post (utkast)",
    "discard_draft": "Kastade utkast",
}
