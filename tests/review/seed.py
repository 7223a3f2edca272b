"""Seeded engagement records with known answers (see the EXPECTED_* constants)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Optional

from sqlalchemy.engine import Engine

from actions.records import EngagementRecord, RecordStore

PERIOD = (date(2026, 1, 5), date(2026, 3, 29))  # twelve whole weeks, Monday to Sunday


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc)


def record(
    day: str, question: str, topic: str, *, counterpart: Optional[str] = None, ctype: Optional[str] = None,
    department: str = "Kulturförvaltningen", channel: str = "rest", outcome: str = "answered",
    confidence: float = 0.95, feedback: Optional[str] = None, hour: int = 10,
) -> EngagementRecord:
    return EngagementRecord(
        conversation_id=f"conv-{day}-{hour}", channel=channel, question=question, topic=topic,
        outcome=outcome, kb_version="v1", intent=topic, intent_confidence=confidence,
        department=department, counterpart=counterpart, counterpart_type=ctype,
        principle_ids=[f"{topic}.a"], feedback=feedback, model_id="test-model", created_at=at(day, hour),
    )


BERLIN_TWINNING = [
    "Får vi teckna ett vänortsavtal med Berlin?",
    "Kan vi teckna vänortsavtal med Berlin?",
    "Får förvaltningen teckna ett vänortsavtal med Berlin?",
    "Är det tillåtet att teckna vänortsavtal med Berlin?",
    "Vi vill teckna ett vänortsavtal med Berlin, går det?",
    "Kan staden teckna ett vänortsavtal med Berlin?",
]
EU_PROJECTS = [
    "Hur ansöker vi om pengar till ett EU-projekt?",
    "Hur ansöker man om EU-projekt?",
    "Kan vi ansöka om finansiering för ett EU-projekt?",
    "Vem hjälper oss att ansöka om EU-projekt?",
    "Hur ansöker förvaltningen om ett EU-projekt?",
]
OSLO_STUDY = [
    "Får vi göra en studieresa till Oslo?",
    "Hur planerar vi en studieresa till Oslo?",
    "Vem godkänner en studieresa till Oslo?",
]
FALLBACKS = [
    "Hur bokar jag en konferenslokal?",
    "Var hittar jag min lönespecifikation?",
    "Kan du hjälpa mig med parkeringstillstånd?",
    "Vad serveras i lunchrestaurangen idag?",
]


def seed_records() -> list[EngagementRecord]:
    days_a = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-03-16", "2026-03-17", "2026-03-18"]
    records = [
        record(d, q, "vanortsavtal", counterpart="Berlin", ctype="city", feedback="up" if i < 2 else None)
        for i, (d, q) in enumerate(zip(days_a, BERLIN_TWINNING, strict=True))
    ]
    records += [
        record("2026-02-02", "Har Stockholm några vänorter i Tyskland?", "vanortsavtal",
               counterpart="Berlin", ctype="city", channel="teams"),
        record("2026-02-03", "Vilka vänorter har Stockholm i Tyskland?", "vanortsavtal",
               counterpart="Berlin", ctype="city", channel="teams"),
    ]
    records += [
        record(f"2026-02-{9 + i:02d}", q, "eu_projekt", department="Stadsledningskontoret")
        for i, q in enumerate(EU_PROJECTS)
    ]
    records += [
        record(f"2026-01-{19 + i}", q, "studieresa", counterpart="Oslo", ctype="city",
               department="Utbildningsförvaltningen", channel="teams")
        for i, q in enumerate(OSLO_STUDY)
    ]
    records += [
        record(f"2026-03-0{2 + i}", q, "out_of_scope", outcome="fallback", confidence=0.25)
        for i, q in enumerate(FALLBACKS)
    ]
    records += [
        record("2026-03-09", "Får vi driva projekt med Sida-pengar i Kenya?", "bistand", counterpart="Kenya",
               ctype="country", department="Stadsledningskontoret", confidence=0.3),
        record("2026-03-10", "Kan förvaltningen söka bistånd från Sida?", "bistand",
               department="Stadsledningskontoret", confidence=0.3),
        record("2026-03-23", "Ska vi gå med i Eurocities?", "natverk", counterpart="Eurocities",
               ctype="organisation", department="Miljöförvaltningen", channel="teams", confidence=0.9,
               feedback="down"),
        # Outside the period on either side.
        record("2025-12-20", "Får vi teckna ett vänortsavtal med Berlin?", "vanortsavtal", counterpart="Berlin",
               ctype="city"),
        record("2026-03-30", "Hur ansöker vi om ett EU-projekt?", "eu_projekt", outcome="fallback", confidence=0.1),
    ]
    return records


def seed(engine: Engine) -> list[EngagementRecord]:
    store = RecordStore(engine)
    records = seed_records()
    for r in records:
        store.insert(r)
    return records


EXPECTED_TOTAL = 23
EXPECTED_TOPICS = {"vanortsavtal": 8, "eu_projekt": 5, "out_of_scope": 4, "studieresa": 3, "bistand": 2, "natverk": 1}
EXPECTED_DEPARTMENTS = {
    "Kulturförvaltningen": 12, "Stadsledningskontoret": 7, "Utbildningsförvaltningen": 3, "Miljöförvaltningen": 1,
}
EXPECTED_CHANNELS = {"rest": 17, "teams": 6}
EXPECTED_OUTCOMES = {"answered": 19, "fallback": 4}
EXPECTED_FEEDBACK = {None: 20, "up": 2, "down": 1}
EXPECTED_WEEKS = {
    date(2026, 1, 5): 3, date(2026, 1, 19): 3, date(2026, 2, 2): 2, date(2026, 2, 9): 5,
    date(2026, 3, 2): 4, date(2026, 3, 9): 2, date(2026, 3, 16): 3, date(2026, 3, 23): 1,
}
EXPECTED_REASONS = {"fallback": 4, "low_confidence": 2, "feedback_down": 1}
EXPECTED_COUNTERPARTS = {"Berlin": 8, "Oslo": 3, "Kenya": 1, "Eurocities": 1}
EXPECTED_CLUSTER_SIZES = [6, 5, 3, 2, 1, 1, 1, 1, 1, 1, 1]
MONDAYS = [PERIOD[0] + timedelta(days=7 * i) for i in range(12)]
