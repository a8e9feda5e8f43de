"""Per-call results and the suite summary: the data every report is drawn from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voicebot.suite.cases import Case
from voicebot.suite.check import check, intent_pairs


@dataclass
class CallResult:
    name: str
    recording: str | None = None
    description: str | None = None
    expect: dict[str, Any] | None = None
    record: dict[str, Any] | None = None
    failures: list[str] = field(default_factory=list)
    error: str | None = None
    audio_s: float = 0.0
    wall_s: float = 0.0
    pairs: list[tuple[str, str]] = field(default_factory=list)
    sample_rate: int = 8000
    caller_audio: np.ndarray | None = field(default=None, repr=False)
    bot_audio: np.ndarray | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        return "failed" if self.failures else "passed"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "recording": self.recording,
            "description": self.description,
            "expect": self.expect,
            "failures": self.failures,
            "error": self.error,
            "audio_s": round(self.audio_s, 3),
            "wall_s": round(self.wall_s, 3),
            "record": self.record,
        }


def start_result(case: Case) -> CallResult:
    spec = case.spec
    return CallResult(
        name=case.name,
        recording=case.recording.name if case.recording else None,
        description=spec.description if spec else None,
        expect=spec.expect.model_dump(exclude_none=True, exclude_defaults=True) if spec else None,
        error=case.error,
    )


def judge(case: Case, result: CallResult, record: dict[str, Any]) -> CallResult:
    assert case.spec is not None
    result.record = record
    result.failures = check(case.spec.expect, record)
    result.pairs = intent_pairs(case.spec.expect, record)
    return result


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def summarize(results: list[CallResult], *, wall_s: float, mode: str) -> dict[str, Any]:
    pairs = [p for r in results if r.record is not None for p in r.pairs if p[0] != "(none)"]
    correct = sum(1 for want, got in pairs if want == got)
    gaps = [g for r in results if r.record for g in r.record.get("response_gaps_ms") or []]
    audio_s = sum(r.audio_s for r in results)
    counts = Counter(r.status for r in results)
    return {
        "calls": len(results),
        "passed": counts["passed"],
        "failed": counts["failed"] + counts["error"],
        "errors": counts["error"],
        "intent_accuracy": round(correct / len(pairs), 4) if pairs else None,
        "intents_expected": len(pairs),
        "response_gap_p50_ms": percentile(gaps, 50),
        "response_gap_p95_ms": percentile(gaps, 95),
        "mode": mode,
        "audio_s": round(audio_s, 1),
        "wall_s": round(wall_s, 2),
        "x_realtime": round(audio_s / wall_s, 2) if wall_s > 0 else None,
        "calls_per_min": round(60 * len(results) / wall_s, 1) if wall_s > 0 else None,
    }
