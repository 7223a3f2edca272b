"""Queries, groups and the small-group rule on seeded records (SQLite and PostgreSQL)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from actions.records import engagement_records as er
from review import pages, queries
from review.clusters import cluster_questions, mondays, trend
from review.filters import Filters, parse_filters, period
from review.labels import label
from review.tables import Small, for_role, to_csv
from tests.review.conftest import make_config
from tests.review.seed import (
    BERLIN_TWINNING,
    EU_PROJECTS,
    EXPECTED_CHANNELS,
    EXPECTED_CLUSTER_SIZES,
    EXPECTED_COUNTERPARTS,
    EXPECTED_DEPARTMENTS,
    EXPECTED_FEEDBACK,
    EXPECTED_OUTCOMES,
    EXPECTED_REASONS,
    EXPECTED_TOPICS,
    EXPECTED_TOTAL,
    EXPECTED_WEEKS,
    MONDAYS,
    PERIOD,
)

F = period(*PERIOD)


def test_counts_per_column_match_the_seed(seeded: Engine) -> None:
    with seeded.connect() as conn:
        assert queries.total(conn, F) == EXPECTED_TOTAL
        assert dict(queries.counts_by(conn, F, er.c.topic)) == EXPECTED_TOPICS
        assert dict(queries.counts_by(conn, F, er.c.department)) == EXPECTED_DEPARTMENTS
        assert dict(queries.counts_by(conn, F, er.c.channel)) == EXPECTED_CHANNELS
        assert dict(queries.counts_by(conn, F, er.c.outcome)) == EXPECTED_OUTCOMES
        assert dict(queries.counts_by(conn, F, er.c.feedback)) == EXPECTED_FEEDBACK
        # Biggest first.
        assert [n for _, n in queries.counts_by(conn, F, er.c.topic)] == sorted(EXPECTED_TOPICS.values(), reverse=True)


def test_counts_per_week_start_on_monday_utc(seeded: Engine) -> None:
    with seeded.connect() as conn:
        assert dict(queries.counts_by_week(conn, F)) == EXPECTED_WEEKS


def test_period_bounds_include_both_days(seeded: Engine) -> None:
    with seeded.connect() as conn:
        # 2025-12-20 and 2026-03-30 lie outside; the last day of the period is included.
        wide = period(PERIOD[0].replace(year=2025, month=12, day=1), PERIOD[1].replace(day=30))
        assert queries.total(conn, wide) == EXPECTED_TOTAL + 2
        one_day = period(PERIOD[1].replace(day=23), PERIOD[1].replace(day=23))
        assert queries.total(conn, one_day) == 1


def test_filters_narrow_every_query(seeded: Engine) -> None:
    args = {
        "date_from": "2026-01-05", "date_to": "2026-03-29", "department": "Kulturförvaltningen", "outcome": "answered",
    }
    f = parse_filters(args)
    with seeded.connect() as conn:
        assert queries.total(conn, f) == 8
        assert dict(queries.counts_by(conn, f, er.c.topic)) == {"vanortsavtal": 8}
        teams = parse_filters({**args, "channel": "teams"})
        assert dict(queries.counts_by(conn, teams, er.c.topic)) == {"vanortsavtal": 2}
        ctype = parse_filters({"date_from": "2026-01-05", "date_to": "2026-03-29", "counterpart_type": "city"})
        assert queries.total(conn, ctype) == 11


def test_unanswered_reasons_and_list_newest_first(seeded: Engine) -> None:
    low = 0.5
    with seeded.connect() as conn:
        assert dict(queries.counts_by(conn, F, queries.reason(low), queries.unanswered(low))) == EXPECTED_REASONS
        records = queries.unanswered_records(conn, F, low)
    assert len(records) == sum(EXPECTED_REASONS.values())
    assert [r["created_at"] for r in records] == sorted((r["created_at"] for r in records), reverse=True)
    assert records[0]["question"] == "Ska vi gå med i Eurocities?" and records[0]["reason"] == "feedback_down"


def test_questions_are_grouped_by_lemmas_within_topic_and_counterpart(seeded: Engine, lemmatizer) -> None:
    with seeded.connect() as conn:
        clusters = cluster_questions(queries.question_rows(conn, F), lemmatizer)
    assert [c.count for c in clusters] == EXPECTED_CLUSTER_SIZES
    berlin, eu = clusters[0], clusters[1]
    assert (berlin.topic, berlin.counterpart) == ("vanortsavtal", "Berlin")
    assert {r.question for r in berlin.records} == set(BERLIN_TWINNING)
    assert {"teckna", "vänortsavtal", "berlin"} == set(berlin.keywords())
    assert len(berlin.examples()) == 3 and set(berlin.examples()) <= set(BERLIN_TWINNING)
    assert {r.question for r in eu.records} == set(EU_PROJECTS)
    # The two questions about existing twin towns are a group of their own, same topic and counterpart.
    assert (clusters[3].topic, clusters[3].counterpart, clusters[3].count) == ("vanortsavtal", "Berlin", 2)
    weekly = berlin.weekly(MONDAYS)
    assert weekly[0] == 3 and weekly[10] == 3 and sum(weekly) == 6
    assert trend(weekly) == "oförändrad"
    assert trend([0, 0, 0, 1, 3, 4]) == "ökar" and trend([5, 2, 0, 0]) == "minskar"
    assert mondays(PERIOD[0], PERIOD[1]) == MONDAYS


def test_masked_questions_still_group_by_topic_and_counterpart(seeded: Engine, lemmatizer) -> None:
    with seeded.begin() as conn:
        conn.execute(sa.update(er).where(er.c.topic == "vanortsavtal").values(question=queries.MASKED_QUESTION))
    with seeded.connect() as conn:
        clusters = cluster_questions(queries.question_rows(conn, F), lemmatizer)
    berlin = clusters[0]
    assert (berlin.topic, berlin.counterpart, berlin.count) == ("vanortsavtal", "Berlin", 8)
    assert berlin.examples() == [] and berlin.keywords() == []


def test_viewer_tables_show_small_groups_as_less_than_five(seeded: Engine, password_hashes, lemmatizer) -> None:
    config = make_config(password_hashes)
    with seeded.connect() as conn:
        ctx = pages.PageContext(conn, F, config, lambda: lemmatizer)
        topics = pages.distribution(ctx, "amnen", "Ämnen", "topic", "Ämne")
        common = pages.common_questions(ctx)[0]
    viewer = for_role(topics, admin=False, threshold=5)
    shown = {row["value"]: row["count"] for row in viewer.rows}
    assert shown["vanortsavtal"] == 8 and shown["eu_projekt"] == 5
    assert all(isinstance(shown[t], Small) for t in ("out_of_scope", "studieresa", "bistand", "natverk"))
    assert all(row["share"] is None for row in viewer.rows if isinstance(row["count"], Small))
    assert for_role(topics, admin=True, threshold=5).rows[2]["count"] == 4
    csv_text = to_csv(viewer).decode("utf-8")
    assert csv_text.startswith("\ufeffÄmne;Antal;Andel (%)\r\n")
    assert csv_text.count(";< 5;") == 4

    viewer_common = for_role(common, admin=False, threshold=5)
    assert "spark" not in [c.key for c in viewer_common.columns]
    big, small = viewer_common.rows[0], viewer_common.rows[2]
    assert big["count"] == 6 and len(big["examples"]) == 3
    assert isinstance(small["count"], Small) and small["examples"] is None and small["keywords"] is None
    texts = to_csv(viewer_common).decode("utf-8")
    assert "Ska vi gå med i Eurocities?" not in texts and "Vem godkänner en studieresa till Oslo?" not in texts


def test_engagements_page_counts_counterparts_and_reads_assessments_when_present(
    seeded: Engine, password_hashes, lemmatizer
) -> None:
    config = make_config(password_hashes)

    def build() -> list:
        with seeded.connect() as conn:
            return pages.engagements(pages.PageContext(conn, F, config, lambda: lemmatizer))

    with seeded.begin() as conn:  # as before the decision guidance existed
        conn.exec_driver_sql("DROP TABLE IF EXISTS engagement_assessments")
    counterparts, types, kinds = build()
    assert {r["label"]: r["count"] for r in counterparts.rows} == EXPECTED_COUNTERPARTS
    assert counterparts.rows[0]["topics"] == [("Vänortsavtal", 8)]
    assert {r["value"]: r["count"] for r in types.rows} == {"city": 11, "country": 1, "organisation": 1}
    expected_kinds = {"vanortsavtal": 8, "studieresa": 3, "bistand": 1, "natverk": 1}
    assert {r["value"]: r["count"] for r in kinds.rows} == expected_kinds
    assert "assessments" not in [c.key for c in counterparts.columns] and counterparts.note

    # The shape of migrations/versions/0102_engagement_assessments.py (columns the page reads, and the required rest).
    assessments = sa.Table(
        "engagement_assessments", sa.MetaData(),
        sa.Column("record_id", sa.String(36), primary_key=True), sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("engagement_type", sa.String(32)), sa.Column("counterpart", sa.String(200)),
        sa.Column("directions", sa.JSON), sa.Column("verdict", sa.String(20)), sa.Column("completed", sa.Boolean),
    )
    assessments.create(seeded)
    with seeded.connect() as conn:
        ids = dict(conn.execute(sa.select(er.c.question, er.c.id)).all())
    rows = [
        (BERLIN_TWINNING[1], "twinning", "Berlin", "not_recommended"),
        (BERLIN_TWINNING[2], "twinning", "Berlin", "not_recommended"),
        ("Får vi göra en studieresa till Oslo?", "delegation", "Oslo", "conditional"),
        ("Får vi driva projekt med Sida-pengar i Kenya?", "aid_project", "Kenya", None),
    ]
    with seeded.begin() as conn:
        conn.execute(assessments.insert(), [
            {"record_id": ids[q], "updated_at": F.start, "engagement_type": kind, "counterpart": cp,
             "directions": [], "verdict": verdict, "completed": verdict is not None}
            for q, kind, cp, verdict in rows
        ])
    counterparts, _, _, assessed = build()
    by_name = {r["label"]: r["assessments"] for r in counterparts.rows}
    avrads = label("verdict", "not_recommended")  # names from knowledge/assessment.yml
    assert by_name["Berlin"] == [(avrads, 2)] and by_name["Eurocities"] == []
    assert by_name["Kenya"] == [("(ej bedömd)", 1)]
    assert {(r["type"], r["verdict"]): r["count"] for r in assessed.rows} == {
        (label("engagement_type", "twinning"), avrads): 2,
        (label("engagement_type", "delegation"), label("verdict", "conditional")): 1,
        (label("engagement_type", "aid_project"), "(ej bedömd)"): 1,
    }
    viewer = for_role(counterparts, admin=False, threshold=5)
    assert isinstance(viewer.rows[0]["assessments"][0][1], Small)
    # The page's filters apply through the assessed record.
    with seeded.connect() as conn:
        school = parse_filters({"date_from": "2026-01-05", "date_to": "2026-03-29",
                                "department": "Utbildningsförvaltningen"})
        ctx = pages.PageContext(conn, school, config, lambda: lemmatizer)
        assert [r["count"] for r in pages.engagements(ctx)[3].rows] == [1]


def test_default_filters_cover_twelve_weeks_to_today() -> None:
    f = parse_filters({"date_from": "nonsense", "outcome": "maybe"}, today=PERIOD[1])
    assert isinstance(f, Filters) and f.date_to == PERIOD[1] and (f.date_to - f.date_from).days == 83
    assert f.outcome is None
    swapped = parse_filters({"date_from": "2026-03-01", "date_to": "2026-01-01"})
    assert swapped.date_from.isoformat() == "2026-01-01"


def test_csv_export_never_hands_a_spreadsheet_a_formula() -> None:
    from review.tables import Column, Table

    questions = ['=HYPERLINK("http://example.invalid","Klicka")', "+46 8 508 000 00", "-1", "@SUM(A1)", "Får vi åka?"]
    table = Table("poster", "Poster", [Column("question", "Fråga"), Column("count", "Antal", "count")],
                  [{"question": q, "count": 3} for q in questions])
    lines = to_csv(table).decode("utf-8").lstrip("\ufeff").splitlines()[1:]
    cells = [line.rsplit(";", 1)[0].strip('"').replace('""', '"') for line in lines]
    assert cells == ["'" + q for q in questions[:4]] + ["Får vi åka?"]
    assert all(line.endswith(";3") for line in lines), "numbers stay numbers"
