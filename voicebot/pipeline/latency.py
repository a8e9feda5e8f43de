"""Stage latencies of this process (ASR, TTS, intent), as Prometheus histograms.

The call core observes each engine call here; `GET /metrics` (voicebot/api/metrics.py) serves
them next to the call counters it reads from the database.
"""

from __future__ import annotations

from prometheus_client import Histogram

STAGE_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
STAGE_LATENCY = Histogram(
    "voicebot_stage_latency_seconds", "ASR, TTS and intent latency per call turn", ["stage"],
    buckets=STAGE_BUCKETS_S, registry=None,
)  # fmt: skip


def observe_latency(stage: str, seconds: float) -> None:
    """Record one ASR/TTS/intent latency (stage: asr | tts | intent)."""
    STAGE_LATENCY.labels(stage).observe(seconds)
