"""GET /metrics: Prometheus text format.

The call counters, live calls, intents, transfers and the response-gap histogram are read from
the call database at scrape time, so they cover every worker that writes to it. Stage latencies
(ASR, TTS, intent) are histograms in this process: the call core observes them through
`observe_latency(stage, seconds)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import func, select

from voicebot.api.auth import auth_of
from voicebot.calls.schema import call_intents, calls, gaps

router = APIRouter()
GAP_BUCKETS_MS = (250, 500, 750, 1000, 1500, 2000, 3000, 5000)
STAGE_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
STAGE_LATENCY = Histogram(
    "voicebot_stage_latency_seconds", "ASR, TTS and intent latency per call turn", ["stage"],
    buckets=STAGE_BUCKETS_S, registry=None,
)  # fmt: skip


def observe_latency(stage: str, seconds: float) -> None:
    """Record one ASR/TTS/intent latency (stage: asr | tts | intent)."""
    STAGE_LATENCY.labels(stage).observe(seconds)


class DatabaseCollector:
    def __init__(self, store: Any) -> None:
        self.store = store

    def collect(self) -> Iterator[Any]:
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


def registry_for(store: Any) -> CollectorRegistry:
    reg = CollectorRegistry()
    reg.register(DatabaseCollector(store))
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
        state.metrics_registry = registry_for(state.services.calls)
    return Response(generate_latest(state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
