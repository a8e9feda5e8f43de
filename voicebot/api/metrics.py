"""GET /metrics: Prometheus text format.

The call counters, live calls, intents, transfers and the response-gap histogram are read from
the call database at scrape time, so they cover every worker that writes to it. Stage latencies
(ASR, TTS, intent) are histograms in this process, observed by the call core
(`voicebot.pipeline.latency`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from voicebot.api.auth import auth_of
from voicebot.calls.schema import call_intents, calls, gaps
from voicebot.pipeline.latency import STAGE_LATENCY

router = APIRouter()
GAP_BUCKETS_MS = (250, 500, 750, 1000, 1500, 2000, 3000, 5000)


class DatabaseCollector:
    def __init__(self, store: Any) -> None:
        self.store = store

    def collect(self) -> Iterator[Any]:
        try:
            rows = self._read()
        except SQLAlchemyError:  # the database is down: the process's own metrics are still served
            yield GaugeMetricFamily("voicebot_database_up", "the call database answered this scrape", 0)
            return
        yield GaugeMetricFamily("voicebot_database_up", "the call database answered this scrape", 1)
        yield from self._families(*rows)

    def _read(self) -> tuple[Any, ...]:
        c = calls.c
        with self.store.connect() as conn:
            by_outcome = conn.execute(
                select(c.outcome, c.kommune, func.count()).where(c.live.is_(False)).group_by(c.outcome, c.kommune)
            ).all()
            live = conn.execute(select(c.kommune, func.count()).where(c.live.is_(True)).group_by(c.kommune)).all()
            intents = conn.execute(select(call_intents.c.intent, func.count()).group_by(call_intents.c.intent)).all()
            transfers = conn.execute(
                select(c.transfer_reason, func.count()).where(c.outcome == "transferred").group_by(c.transfer_reason)
            ).all()
            gap_rows = conn.execute(select(gaps.c.ms, func.count()).group_by(gaps.c.ms)).all()
        return by_outcome, live, intents, transfers, gap_rows

    def _families(self, by_outcome: Any, live: Any, intents: Any, transfers: Any, gap_rows: Any) -> Iterator[Any]:
        m = CounterMetricFamily(
            "voicebot_calls", "finished calls by outcome and kommune", labels=["outcome", "kommune"]
        )
        for outcome, kommune, n in by_outcome:
            m.add_metric([outcome, kommune or ""], n)
        yield m
        g = GaugeMetricFamily("voicebot_live_calls", "calls in progress, all workers", labels=["kommune"])
        for kommune, n in live:
            g.add_metric([kommune or ""], n)
        yield g
        i = CounterMetricFamily("voicebot_intents", "calls that asked about an intent", labels=["intent"])
        for intent, n in intents:
            i.add_metric([intent], n)
        yield i
        t = CounterMetricFamily("voicebot_transfers", "transferred calls by reason", labels=["reason"])
        for reason, n in transfers:
            t.add_metric([reason or "unknown"], n)
        yield t
        h = HistogramMetricFamily("voicebot_response_gap_seconds", "end of caller speech to first bot audio")
        total, total_ms = sum(n for _, n in gap_rows), sum(ms * n for ms, n in gap_rows)
        buckets = [(str(b / 1000), sum(n for ms, n in gap_rows if ms <= b)) for b in GAP_BUCKETS_MS]
        h.add_metric([], [*buckets, ("+Inf", total)], total_ms / 1000)
        yield h


class SpoolCollector:
    """Call records queued on disk while the database was unavailable (this process)."""

    def __init__(self, journal: Any) -> None:
        self.journal = journal

    def collect(self) -> Iterator[Any]:
        counts = dict(self.journal.counts)
        for key, doc in (("spooled", "calls queued on disk because the database was unavailable"),
                         ("replayed", "queued calls written to the database once it was back"),
                         ("replay_failures", "replay rounds that found the database still unavailable")):
            yield CounterMetricFamily(f"voicebot_records_{key}", doc, counts[key])
        yield GaugeMetricFamily("voicebot_records_spool_pending", "calls in the spool folder now",
                                self.journal.pending())  # fmt: skip


def registry_for(services: Any) -> CollectorRegistry:
    reg = CollectorRegistry()
    reg.register(DatabaseCollector(services.calls))
    if services.journal is not None:
        reg.register(SpoolCollector(services.journal))
    reg.register(STAGE_LATENCY)
    return reg


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    state = request.app.state
    if not state.services.settings.metrics_public:
        auth = auth_of(request)
        if auth.principal(request) is None:
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    if getattr(state, "metrics_registry", None) is None:
        state.metrics_registry = registry_for(state.services)
    return Response(generate_latest(state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
