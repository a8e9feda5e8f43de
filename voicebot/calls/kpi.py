"""The KPIs operators know, computed from call records (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def kpis(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    recs = list(records)
    n = len(recs)
    transferred = sum(1 for r in recs if r.get("outcome") == "transferred")
    contained = sum(1 for r in recs if r.get("outcome") == "contained")
    ratings = [r["rating"] for r in recs if isinstance(r.get("rating"), int)]
    after_hours = sum(1 for r in recs if r.get("after_hours"))
    gaps = [g for r in recs for g in r.get("response_gaps_ms", [])]
    intents = Counter(i for r in recs for i in r.get("intents", []))
    return {
        "calls": n,
        "containment": contained / n if n else None,
        "transfer_rate": transferred / n if n else None,
        "csat": sum(ratings) / len(ratings) if ratings else None,
        "csat_responses": len(ratings),
        "top_intents": intents.most_common(10),
        "after_hours_share": after_hours / n if n else None,
        "response_gap_p50_ms": percentile(gaps, 0.5),
        "response_gap_p95_ms": percentile(gaps, 0.95),
    }
