"""KPI arithmetic in SQL, on a known set of records, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from recordkit import record

from voicebot.calls.kpi import Period, containment_by_day, kpis, percentile_from_counts
from voicebot.calls.rows import local_day_start
from voicebot.calls.store import CallStore

GAPS = {"a": (500.0, 700.0), "b": (610.0,), "c": (1200.0, 400.0, 800.0), "d": (), "e": (3500.0,), "f": (650.0,)}


def fill(store: CallStore) -> None:
    store.finish(record("a", "Odder", "2026-11-02T09:00:00+01:00", intents=("pas", "ja"), gaps=GAPS["a"], rating=3))
    store.finish(record("b", "Odder", "2026-11-02T18:30:00+01:00", outcome="transferred", intents=("mitid",),
                        gaps=GAPS["b"], reason="closed_hours", after_hours=True, callback="+4520304050"))  # fmt: skip
    store.finish(record("c", "Odder", "2026-11-03T10:00:00+01:00", outcome="transferred", intents=("pas", "mitid"),
                        gaps=GAPS["c"], reason="caller_request", rating=1))  # fmt: skip
    store.finish(record("d", "Odder", "2026-11-03T23:30:00+01:00", outcome="abandoned", intents=(), gaps=GAPS["d"],
                        after_hours=True))  # fmt: skip
    store.finish(record("e", "Aarhus", "2026-11-03T11:00:00+01:00", intents=("tidsbestilling",), gaps=GAPS["e"],
                        rating=2))  # fmt: skip
    store.finish(record("f", "Odder", "2026-12-01T10:00:00+01:00", intents=("pas",), gaps=GAPS["f"]))


def test_kpis_for_a_kommune_and_a_month(db_url):
    store = CallStore(db_url)
    fill(store)
    with store.connect() as conn:
        k = kpis(conn, Period(local_day_start(date(2026, 11, 1)), local_day_start(date(2026, 12, 1)), "Odder"))
    assert k["calls"] == 4
    assert k["containment"] == 0.25 and k["transfer_rate"] == 0.5
    assert k["transfer_reasons"] == {"closed_hours": 1, "caller_request": 1}
    assert k["csat"] == 2.0 and k["csat_responses"] == 2
    assert k["top_intents"] == [{"intent": "mitid", "calls": 2}, {"intent": "pas", "calls": 2}]  # "ja" is no topic
    assert k["after_hours_share"] == 0.5
    gaps = [*GAPS["a"], *GAPS["b"], *GAPS["c"]]
    assert k["response_gaps"] == 6
    assert k["response_gap_p50_ms"] == pytest.approx(np.percentile(gaps, 50))
    assert k["response_gap_p95_ms"] == pytest.approx(np.percentile(gaps, 95))
    assert sum(b["calls"] for b in k["response_gap_histogram"]) == 6
    assert k["calls_per_hour"][9] == 1 and k["calls_per_hour"][18] == 1 and k["calls_per_hour"][23] == 1
    assert k["calls_per_weekday"][0] == 2 and k["calls_per_weekday"][1] == 2  # 2 Nov 2026 is a Monday
    assert k["callbacks_asked"] == 1 and k["callbacks_done"] == 0 and k["callbacks_open"] == 1


def test_kpis_for_everything_and_by_day(db_url):
    store = CallStore(db_url)
    fill(store)
    with store.connect() as conn:
        k = kpis(conn, Period())
        days = containment_by_day(conn, Period(kommune="Odder"))
    assert k["calls"] == 6 and k["containment"] == 0.5 and k["csat"] == 2.0 and k["csat_responses"] == 3
    assert k["top_intents"][0] == {"intent": "pas", "calls": 3}
    assert k["response_gap_p95_ms"] == pytest.approx(np.percentile([g for v in GAPS.values() for g in v], 95))
    assert days == [
        {"day": "2026-11-02", "calls": 2, "containment": 0.5},
        {"day": "2026-11-03", "calls": 2, "containment": 0.0},
        {"day": "2026-12-01", "calls": 1, "containment": 1.0},
    ]


def test_empty_period_has_no_rates(db_url):
    store = CallStore(db_url)
    with store.connect() as conn:
        k = kpis(conn, Period(kommune="Nowhere"))
    assert k["calls"] == 0 and k["containment"] is None and k["csat"] is None and k["response_gap_p50_ms"] is None


@pytest.mark.parametrize("values", [[5], [1, 2], [3, 3, 3, 10], list(range(101)), [700, 500, 610, 1200, 400, 800]])
def test_percentile_from_counts_matches_numpy(values):
    counts = sorted({v: values.count(v) for v in values}.items())
    for q in (0.0, 0.5, 0.95, 1.0):
        assert percentile_from_counts(counts, q) == pytest.approx(np.percentile(values, q * 100))


def test_cached_day_partials_equal_the_direct_sql(db_url):
    from voicebot.calls.kpi_cache import period_days, period_kpis

    store = CallStore(db_url)
    fill(store)
    today = date(2026, 12, 20)  # every filled day is over: its partials get cached
    periods = [
        Period(local_day_start(date(2026, 11, 1)), local_day_start(date(2026, 12, 1)), "Odder"),
        Period(local_day_start(date(2026, 11, 1)), local_day_start(date(2027, 1, 1))),
        Period(local_day_start(date(2026, 11, 3)), local_day_start(date(2026, 11, 4)), "Aarhus"),
    ]
    for p in periods:
        with store.connect() as conn:
            direct = kpis(conn, p)
            days = containment_by_day(conn, p)
        assert period_kpis(store, p, today) == direct  # computed, then cached
        assert period_kpis(store, p, today) == direct  # from the cache
        assert period_days(store, p, today) == days
    everything = period_kpis(store, Period(), today)
    with store.connect() as conn:
        assert everything == kpis(conn, Period())
    store.finish(record("g", "Odder", "2026-11-02T12:00:00+01:00", intents=("rotter",), rating=1))  # a late replay
    p = periods[0]
    with store.connect() as conn:
        direct = kpis(conn, p)
    assert direct["calls"] == 5 and period_kpis(store, p, today) == direct  # the day's partials were dropped
