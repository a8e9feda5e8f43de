"""Opening hours: open or closed at a given wall-clock moment, and why. Pure: time is passed in.

Closed when the moment falls on a Danish public holiday (the `holidays` package, DK), on one of
the kommune's own closing days, or outside the weekday's intervals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.easter import easter

from voicebot.dialog.plan import ClosingDate, Hours

DAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def _optional(name: str) -> Callable[[int], dt.date]:
    """A day in the `holidays` package's DK 'optional' category (not public holidays, but days a
    kommune often closes), found by its Danish name."""

    def date_in(year: int) -> dt.date:
        days = holidays.country_holidays("DK", years=year, language="da", categories=("optional",))
        return next(d for d, n in days.items() if n == name)

    return date_in


def _from_easter(days: int) -> Callable[[int], dt.date]:
    return lambda year: easter(year) + dt.timedelta(days=days)


# the kommune's own closing days, by name (operators may write å/æ/ø, spaces or hyphens);
# `holidays` knows four of them, the two that follow Easter it does not (no longer) list
NAMED_DAYS = {
    "grundlovsdag": ("Grundlovsdag", _optional("Grundlovsdag")),
    "juleaften": ("Juleaften", _optional("Juleaftensdag")),
    "nytaarsaftensdag": ("Nytårsaftensdag", _optional("Nytårsaften")),
    "arbejdernes_kampdag": ("Arbejdernes kampdag", _optional("Arbejdernes kampdag")),
    "store_bededag": ("Store bededag", _from_easter(26)),
    "fredag_efter_kristi_himmelfartsdag": ("Fredag efter Kristi himmelfartsdag", _from_easter(40)),
}


def normalize_day_name(name: str) -> str:
    out = name.strip().lower().replace("å", "aa").replace("æ", "ae").replace("ø", "oe")
    return out.replace(" ", "_").replace("-", "_").replace(".", "")


@dataclass(frozen=True, slots=True)
class OpenState:
    open: bool
    reason: str | None = None  # why closed: a holiday's name, a closing day, "uden for åbningstid"
    local: dt.datetime | None = None

    def describe(self) -> str:
        return "open" if self.open else f"closed: {self.reason}"


@lru_cache(maxsize=32)
def _public(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("DK", years=year, language="da"))


def closing_day(hours: Hours, day: dt.date) -> str | None:
    """The name of the kommune closing day or public holiday `day` falls on, else None."""
    if hours.public_holidays and day in _public(day.year):
        return _public(day.year)[day]
    for item in hours.closing_days:
        if isinstance(item, ClosingDate):
            if item.date <= day <= (item.to or item.date):
                return item.name
        elif isinstance(item, dt.date):
            if item == day:
                return "lukkedag"
        else:
            named = NAMED_DAYS.get(normalize_day_name(item))
            if named and named[1](day.year) == day:
                return named[0]
    return None


def open_state(hours: Hours | None, at: dt.datetime) -> OpenState:
    """Open or closed at the aware moment `at` (any time zone; converted to the plan's)."""
    if hours is None:
        return OpenState(True)
    if at.tzinfo is None:
        raise ValueError("opening hours need an aware datetime (with a UTC offset)")
    local = at.astimezone(ZoneInfo(hours.timezone))
    day_name = closing_day(hours, local.date())
    if day_name:
        return OpenState(False, day_name, local)
    minute = local.hour * 60 + local.minute
    intervals = hours.intervals(local.weekday())
    if any(start <= minute < end for start, end in intervals):
        return OpenState(True, None, local)
    return OpenState(False, "uden for åbningstid" if intervals else f"lukket om {DAY_NAMES[local.weekday()]}en", local)


def _clock(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{h}" if m == 0 else f"{h}.{m:02d}"


def describe_week(hours: Hours | None) -> str:
    """Danish, speakable: 'mandag til onsdag fra 10 til 13, torsdag fra 10 til 17 og fredag fra 10 til 13'."""
    if hours is None:
        return "alle dage"
    groups: list[tuple[int, int, str]] = []  # (first day, last day, text)
    for wd in range(7):
        ivs = hours.intervals(wd)
        if not ivs:
            continue
        text = " og ".join(f"fra {_clock(a)} til {_clock(b)}" for a, b in ivs)
        if groups and groups[-1][2] == text and groups[-1][1] == wd - 1:
            groups[-1] = (groups[-1][0], wd, text)
        else:
            groups.append((wd, wd, text))
    if not groups:
        return "ingen faste dage"
    parts = []
    for first, last, text in groups:
        days = DAY_NAMES[first] if first == last else f"{DAY_NAMES[first]} til {DAY_NAMES[last]}"
        parts.append(f"{days} {text}")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]
