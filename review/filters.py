"""The filters every page shares: period, topic, administration, channel, outcome.

Dates are calendar days in UTC (as ``created_at`` is stored); the period
includes both its first and its last day.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping, Optional
from urllib.parse import urlencode

from actions.records import COUNTERPART_TYPES, OUTCOMES

DEFAULT_DAYS = 84  # twelve weeks


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    topic: Optional[str] = None
    department: Optional[str] = None
    channel: Optional[str] = None
    outcome: Optional[str] = None
    counterpart_type: Optional[str] = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        """Exclusive upper bound: midnight after the last day."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=timezone.utc)

    def query_string(self, **extra: str) -> str:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        params = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
        params.update(extra)
        return urlencode({k: v for k, v in params.items() if v})

    def describe(self) -> str:
        """The period for file names: 2026-01-01_2026-03-31."""
        return f"{self.date_from.isoformat()}_{self.date_to.isoformat()}"


def _date(raw: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _choice(raw: Optional[str], allowed: Optional[tuple[str, ...]] = None) -> Optional[str]:
    value = (raw or "").strip()
    if not value or len(value) > 200:
        return None
    if allowed is not None and value not in allowed:
        return None
    return value


def parse_filters(args: Mapping[str, str], today: Optional[date] = None) -> Filters:
    """Filters from query arguments; unusable values fall back to the defaults."""
    today = today or datetime.now(timezone.utc).date()
    date_to = _date(args.get("date_to")) or today
    date_from = _date(args.get("date_from")) or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    return Filters(
        date_from=date_from,
        date_to=date_to,
        topic=_choice(args.get("topic")),
        department=_choice(args.get("department")),
        channel=_choice(args.get("channel")),
        outcome=_choice(args.get("outcome"), OUTCOMES),
        counterpart_type=_choice(args.get("counterpart_type"), COUNTERPART_TYPES),
    )


def period(date_from: date, date_to: date) -> Filters:
    """Filters for a whole period and nothing else (reports)."""
    return replace(parse_filters({}, today=date_to), date_from=date_from, date_to=date_to)
