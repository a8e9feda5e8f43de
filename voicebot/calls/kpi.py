"""The KPIs operators know, computed in SQL over a period and a kommune.

    containment      share of calls answered without transfer (outcome `contained`)
    transfer rate    share of calls transferred, and the reasons
    CSAT             mean post-call rating 1-3, and how many rated
    top intents      the topics asked about most (once per call)
    after-hours      share of calls that started outside the dialplan's opening hours
    response gap     p50/p95 of end of caller speech -> first bot audio (whole milliseconds)
    per hour/weekday calls by the call's Danish local hour and weekday
    callbacks        asked for in the period, and of those done

Percentiles come from a GROUP BY over whole milliseconds (the same rows draw the histogram),
with linear interpolation between ranks, so they equal numpy's default on whole-ms data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from voicebot.calls.schema import call_intents, callbacks, calls, gaps
from voicebot.intent.base import TOPIC_INTENTS

GAP_BUCKET_MS = 250  # histogram bins for the dashboard


@dataclass(frozen=True)
class Period:
    start: datetime | None = None  # naive UTC, inclusive
    end: datetime | None = None  # naive UTC, exclusive
    kommune: str | None = None


def _where(table: Any, time_col: str, p: Period) -> list[Any]:
    col = table.c[time_col]
    out = []
    if p.start is not None:
        out.append(col >= p.start)
    if p.end is not None:
        out.append(col < p.end)
    if p.kommune:
        out.append(table.c.kommune == p.kommune)
    return out


def percentile_from_counts(counts: list[tuple[int, int]], q: float) -> float | None:
    """The q-quantile (0..1) of values given as sorted (value, count) pairs, interpolated like numpy."""
    n = sum(c for _, c in counts)
    if n == 0:
        return None
    k = (n - 1) * q
    lo_rank, hi_rank = int(k), min(int(k) + 1, n - 1)
    lo = hi = None
    seen = 0
    for value, count in counts:
        if lo is None and lo_rank < seen + count:
            lo = value
        if hi_rank < seen + count:
            hi = value
            break
        seen += count
    assert lo is not None and hi is not None
    return float(lo + (hi - lo) * (k - lo_rank))


def _share(part: Any, whole: Any) -> float | None:
    return None if not whole else round(float(part) / float(whole), 4)


def kpis(conn: Any, p: Period) -> dict[str, Any]:
    c = calls.c
    where = _where(calls, "started_at", p)
    totals = conn.execute(
        select(
            func.count(),
            func.sum(case((c.outcome == "contained", 1), else_=0)),
            func.sum(case((c.outcome == "transferred", 1), else_=0)),
            func.sum(case((c.after_hours.is_(True), 1), else_=0)),
            func.avg(c.rating),
            func.count(c.rating),
        ).where(*where)
    ).one()
    n, contained, transferred, after, csat, rated = totals
    reasons = conn.execute(
        select(c.transfer_reason, func.count()).where(*where, c.outcome == "transferred")
        .group_by(c.transfer_reason).order_by(func.count().desc())
    ).all()  # fmt: skip
    ci = call_intents.c
    top = conn.execute(
        select(ci.intent, func.count()).where(*_where(call_intents, "started_at", p), ci.intent.in_(TOPIC_INTENTS))
        .group_by(ci.intent).order_by(func.count().desc(), ci.intent).limit(10)
    ).all()  # fmt: skip
    gq = select(gaps.c.ms, func.count()).where(*_where(gaps, "started_at", p)).group_by(gaps.c.ms)
    gap_counts = [(int(v), int(k)) for v, k in conn.execute(gq.order_by(gaps.c.ms)).all()]
    per_hour = dict(conn.execute(select(c.hour, func.count()).where(*where).group_by(c.hour)).all())
    per_weekday = dict(conn.execute(select(c.weekday, func.count()).where(*where).group_by(c.weekday)).all())
    return {
        "calls": int(n),
        "containment": _share(contained or 0, n),
        "transfer_rate": _share(transferred or 0, n),
        "transfer_reasons": {str(r or "unknown"): int(k) for r, k in reasons},
        "csat": None if csat is None else round(float(csat), 3),
        "csat_responses": int(rated),
        "top_intents": [{"intent": i, "calls": int(k)} for i, k in top],
        "after_hours_share": _share(after or 0, n),
        "response_gap_p50_ms": percentile_from_counts(gap_counts, 0.5),
        "response_gap_p95_ms": percentile_from_counts(gap_counts, 0.95),
        "response_gaps": sum(k for _, k in gap_counts),
        "response_gap_histogram": _histogram(gap_counts),
        "calls_per_hour": [int(per_hour.get(h, 0)) for h in range(24)],
        "calls_per_weekday": [int(per_weekday.get(d, 0)) for d in range(7)],
        **callback_counts(conn, p),
    }


def callback_counts(conn: Any, p: Period) -> dict[str, int]:
    cb = callbacks.c
    asked, done = conn.execute(
        select(func.count(), func.count(cb.done_at)).where(*_where(callbacks, "created_at", p))
    ).one()
    open_now = conn.execute(
        select(func.count()).where(cb.done_at.is_(None), *([cb.kommune == p.kommune] if p.kommune else []))
    ).scalar_one()
    return {"callbacks_asked": int(asked), "callbacks_done": int(done), "callbacks_open": int(open_now)}


def _histogram(counts: list[tuple[int, int]]) -> list[dict[str, int]]:
    bins: dict[int, int] = {}
    for value, count in counts:
        b = min(value // GAP_BUCKET_MS, 12) * GAP_BUCKET_MS  # the last bin is "3 s and more"
        bins[b] = bins.get(b, 0) + count
    return [{"from_ms": b, "calls": bins.get(b, 0)} for b in range(0, 13 * GAP_BUCKET_MS, GAP_BUCKET_MS)]


def containment_by_day(conn: Any, p: Period) -> list[dict[str, Any]]:
    c = calls.c
    rows = conn.execute(
        select(c.day, func.count(), func.sum(case((c.outcome == "contained", 1), else_=0)))
        .where(*_where(calls, "started_at", p)).group_by(c.day).order_by(c.day)
    ).all()  # fmt: skip
    return [{"day": d.isoformat(), "calls": int(n), "containment": _share(k or 0, n)} for d, n, k in rows]


__all__ = ["GAP_BUCKET_MS", "Period", "containment_by_day", "kpis", "percentile_from_counts"]
