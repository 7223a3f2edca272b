"""Reading an official's free-text answers in the assessment form:
planned dates, the strategy's directions and who pays."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

from actions.counterparts import normalise

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december")
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?::?e|:a)?\s+({_MONTH})\.?(?:\s+(20\d\d))?\b")
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:[ /-](20\d\d))?\b")
_MONTH_ONLY = re.compile(rf"\b(?:i\s+|under\s+|början av\s+|slutet av\s+)?({_MONTH})(?:\s+(20\d\d))?\b")
UNKNOWN_WORDS = ("vet inte", "oklart", "inte bestämt", "okänt", "osäkert", "vet ej")


@dataclass(frozen=True)
class PlannedDate:
    iso: str       # YYYY-MM-DD, or YYYY-MM when only the month is known
    display: str   # Swedish, e.g. "15 mars 2027" or "mars 2027"


def _year_for(month: int, day: int, today: date, explicit: Optional[str]) -> int:
    if explicit:
        return int(explicit)
    return today.year + 1 if (month, day) < (today.month, today.day) else today.year


def parse_date(text: str, today: Optional[date] = None) -> Optional[PlannedDate]:
    """A planned date in ``text`` (anywhere in it), or None when there is none."""
    today = today or date.today()
    lowered = text.lower()
    if m := _ISO.search(lowered):
        year, month, day = map(int, m.groups())
        return _day(year, month, day)
    if m := _DAY_MONTH.search(lowered):
        day, month = int(m.group(1)), MONTHS[m.group(2)]
        return _day(_year_for(month, day, today, m.group(3)), month, day)
    if m := _NUMERIC.search(lowered):
        day, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return _day(_year_for(month, day, today, m.group(3)), month, day)
    if m := _MONTH_ONLY.search(lowered):
        month = MONTHS[m.group(1)]
        if m.group(1) == "mar" and not lowered.strip().startswith("mar"):
            return None  # "mar" alone inside a sentence is too ambiguous
        year = int(m.group(2)) if m.group(2) else (today.year + 1 if month < today.month else today.year)
        return PlannedDate(f"{year:04d}-{month:02d}", f"{MONTH_NAMES[month - 1]} {year}")
    return None


def _day(year: int, month: int, day: int) -> Optional[PlannedDate]:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return PlannedDate(value.isoformat(), f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}")


def says_unknown(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in UNKNOWN_WORDS)


def _mentions(text: str, words: Iterable[str]) -> bool:
    folded = f" {normalise(text)} "
    return any(f" {normalise(w)}" in folded for w in words)


def classify_directions(text: str, table: dict[str, list[str]]) -> list[str]:
    """The strategy's directions a free-text answer names, in the table's order."""
    return [direction for direction, words in table.items() if _mentions(text, [direction, *words])]


def classify_financing(text: str, table: dict[str, list[str]]) -> Optional[str]:
    """'external', 'counterpart', 'own', 'shared' or 'unknown'; None when unclear."""
    if _mentions(text, table.get("unknown", [])):
        return "unknown"
    kinds = [k for k in ("external", "counterpart", "own") if _mentions(text, table.get(k, []))]
    if len(kinds) > 1:
        return "shared"
    return kinds[0] if kinds else None
