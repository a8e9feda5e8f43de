"""KPIs over whole Danish days from per-day partials, cached for days that are over.

A partial holds, for one day and one kommune (or "*" for all): calls by outcome, hour, transfer
reason, after-hours and rating sums; calls per topic; and the response-gap histogram in whole
milliseconds. Partials add up exactly, so a month or a year is the sum of its days, and the
percentiles are the same as `kpi.kpis` over the raw rows. Days before yesterday are cached in
`kpi_cache`; every write to a day (a call started, finished, recovered, replaced, deleted)
deletes that day's partials, so the cache never serves a stale day. Periods that do not start
and end at local midnight are computed straight from the rows (`kpi.kpis`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from voicebot.calls.kpi import Period, _histogram, _share, callback_counts, percentile_from_counts
from voicebot.calls.rows import local_day_start, local_fields
from voicebot.calls.schema import call_intents, calls, gaps, kpi_cache
from voicebot.intent.base import TOPIC_INTENTS

ALL = "*"


def invalidate_days(conn: Any, days: Iterable[tuple[date, str | None]]) -> None:
    for day, kommune in set(days):
        conn.execute(delete(kpi_cache).where(kpi_cache.c.day == day, kpi_cache.c.scope.in_([kommune or "", ALL])))


def clear(conn: Any) -> None:
    conn.execute(delete(kpi_cache))


def whole_days(p: Period) -> tuple[date, date] | None:
    """The first and last local day of a period that starts and ends at local midnight."""
    if p.start is None or p.end is None:
        return None
    first = local_fields(p.start)["day"]
    last = local_fields(p.end - timedelta(seconds=1))["day"]
    if local_day_start(first) != p.start or local_day_start(last + timedelta(days=1)) != p.end:
        return None
    return first, last


def _empty() -> dict[str, Any]:
    return {"n": 0, "contained": 0, "transferred": 0, "after": 0, "rsum": 0, "rn": 0, "reasons": {},
            "hours": [0] * 24, "intents": {}, "gaps": {}}  # fmt: skip


def compute_partials(conn: Any, first: date, last: date, kommune: str | None) -> dict[date, dict[str, Any]]:
    """Per-day partials from the rows, for every day in [first, last] (empty days included)."""
    out = {first + timedelta(days=i): _empty() for i in range((last - first).days + 1)}
    c = calls.c
    scope = [c.kommune == kommune] if kommune else []
    q = select(c.day, c.hour, c.outcome, c.transfer_reason, c.after_hours, func.count(), func.sum(c.rating),
               func.count(c.rating)).where(c.day >= first, c.day <= last, *scope)  # fmt: skip
    for day, hour, outcome, reason, after, n, rsum, rn in conn.execute(
        q.group_by(c.day, c.hour, c.outcome, c.transfer_reason, c.after_hours)
    ).all():
        d = out[day]
        d["n"] += n
        d["hours"][hour] += n
        d["rsum"] += int(rsum or 0)
        d["rn"] += rn
        d["after"] += n if after else 0
        if outcome == "contained":
            d["contained"] += n
        elif outcome == "transferred":
            d["transferred"] += n
            d["reasons"][reason or "unknown"] = d["reasons"].get(reason or "unknown", 0) + n
    ci = call_intents.c
    for day, intent, n in conn.execute(
        select(ci.day, ci.intent, func.count()).where(ci.day >= first, ci.day <= last, ci.intent.in_(TOPIC_INTENTS),
                                                      *([ci.kommune == kommune] if kommune else []))
        .group_by(ci.day, ci.intent)
    ).all():  # fmt: skip
        out[day]["intents"][intent] = n
    g = gaps.c
    g_scope = [g.kommune == kommune] if kommune else []
    gq = select(g.day, g.ms, func.count()).where(g.day >= first, g.day <= last, *g_scope)
    for day, ms, n in conn.execute(gq.group_by(g.day, g.ms)).all():
        out[day]["gaps"][str(ms)] = n
    return out


def _partials(store: Any, first: date, last: date, kommune: str | None, today: date) -> dict[date, dict[str, Any]]:
    scope = kommune or ALL
    cacheable_until = today - timedelta(days=2)
    with store.connect() as conn:
        rows = conn.execute(
            select(kpi_cache.c.day, kpi_cache.c.data).where(
                kpi_cache.c.scope == scope, kpi_cache.c.day >= first, kpi_cache.c.day <= last)
        ).all()  # fmt: skip
        have = {d: json.loads(data) for d, data in rows}
        wanted = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        missing = [d for d in wanted if d not in have]
        if missing:
            fresh = compute_partials(conn, min(missing), max(missing), kommune)
            have.update({d: fresh[d] for d in missing})
    keep = [{"day": d, "scope": scope, "data": json.dumps(have[d], separators=(",", ":"))}
            for d in missing if d <= cacheable_until]  # fmt: skip
    if keep:
        try:
            with store.engine.begin() as conn:
                conn.execute(insert(kpi_cache), keep)
        except IntegrityError:
            pass  # another reader cached the same days first
    return have


def period_kpis(store: Any, p: Period, today: date) -> dict[str, Any]:
    """The same result as `kpi.kpis(conn, p)`, summed from per-day partials when `p` is whole days."""
    from voicebot.calls.kpi import kpis

    span = whole_days(p)
    if span is None:
        if p.start is not None or p.end is not None:
            with store.connect() as conn:
                return kpis(conn, p)
        with store.connect() as conn:  # everything: from the first day with calls through today
            lo, hi = conn.execute(select(func.min(calls.c.day), func.max(calls.c.day)).where(
                *([calls.c.kommune == p.kommune] if p.kommune else []))).one()  # fmt: skip
        if lo is None:
            with store.connect() as conn:
                return kpis(conn, p)
        span = (lo, max(hi, today))
    parts = _partials(store, span[0], span[1], p.kommune, today)
    return merge(parts, store, Period(local_day_start(span[0]), local_day_start(span[1] + timedelta(days=1)),
                                      p.kommune))  # fmt: skip


def warm(store: Any, today: date, days: int = 400) -> None:
    """Fill the cache for the last `days` days of all kommuner (serve does this daily, off the loop)."""
    _partials(store, today - timedelta(days=days), today, None, today)


def period_days(store: Any, p: Period, today: date) -> list[dict[str, Any]]:
    """Containment per local day over `p` (the dashboard's line), from the same partials."""
    from voicebot.calls.kpi import containment_by_day

    span = whole_days(p)
    if span is None:
        with store.connect() as conn:
            return containment_by_day(conn, p)
    return containment_days(_partials(store, span[0], span[1], p.kommune, today))


def merge(parts: dict[date, dict[str, Any]], store: Any, p: Period) -> dict[str, Any]:
    n = contained = transferred = after = rsum = rn = 0
    reasons: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    gap: Counter[int] = Counter()
    hours, weekdays = [0] * 24, [0] * 7
    for day, d in parts.items():
        n += d["n"]
        contained += d["contained"]
        transferred += d["transferred"]
        after += d["after"]
        rsum += d["rsum"]
        rn += d["rn"]
        reasons.update(d["reasons"])
        intents.update(d["intents"])
        gap.update({int(k): v for k, v in d["gaps"].items()})
        hours = [a + b for a, b in zip(hours, d["hours"], strict=True)]
        weekdays[day.weekday()] += d["n"]
    gap_counts = sorted(gap.items())
    with store.connect() as conn:
        cb = callback_counts(conn, p)
    top = sorted(intents.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return {
        "calls": n, "containment": _share(contained, n), "transfer_rate": _share(transferred, n),
        "transfer_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        "csat": round(rsum / rn, 3) if rn else None, "csat_responses": rn,
        "top_intents": [{"intent": i, "calls": k} for i, k in top], "after_hours_share": _share(after, n),
        "response_gap_p50_ms": percentile_from_counts(gap_counts, 0.5),
        "response_gap_p95_ms": percentile_from_counts(gap_counts, 0.95),
        "response_gaps": sum(gap.values()), "response_gap_histogram": _histogram(gap_counts),
        "calls_per_hour": hours, "calls_per_weekday": weekdays, **cb,
    }  # fmt: skip


def containment_days(parts: dict[date, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"day": d.isoformat(), "calls": x["n"], "containment": _share(x["contained"], x["n"])}
            for d, x in sorted(parts.items()) if x["n"]]  # fmt: skip


__all__ = ["ALL", "clear", "compute_partials", "containment_days", "invalidate_days", "merge", "period_kpis", "warm",
           "whole_days"]
