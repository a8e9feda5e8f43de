"""Query parameters for a period: `from` and `to` as Danish calendar days (both inclusive) or ISO times."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import HTTPException

from voicebot.calls.rows import local_day_start, parse_time


def parse_bound(value: str | None, end: bool) -> datetime | None:
    """A naive-UTC bound; a bare day means its local midnight (for `to`: the next day's)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return local_day_start(day + timedelta(days=1) if end else day)
        return parse_time(value)
    except ValueError as exc:
        raise HTTPException(422, f"not a date or ISO time: {value[:40]!r}") from exc


def period(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    a, b = parse_bound(start, False), parse_bound(end, True)
    if a and b and b <= a:
        raise HTTPException(422, "'to' is before 'from'")
    return a, b
