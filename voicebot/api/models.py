"""Pydantic response models of the operators' API, so the OpenAPI document is complete."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class TurnOut(BaseModel):
    speaker: str
    text: str
    start_s: float
    end_s: float
    intent: str | None = None
    confidence: float | None = None


class CallbackOut(BaseModel):
    id: int
    call_id: str
    kommune: str | None
    number: str
    reason: str
    created_at: str | None
    done_at: str | None
    done_by: str | None


class CallSummary(BaseModel):
    call_id: str
    dialplan: str
    kommune: str | None
    channel: str
    started_at: str | None
    ended_at: str | None
    live: bool
    outcome: str
    end_reason: str
    topic: str | None
    transfer_reason: str | None
    after_hours: bool
    rating: int | None


class LiveCall(CallSummary):
    worker: str


class CallDetail(CallSummary):
    turns: list[TurnOut]
    intents: list[str]
    transfer: dict[str, Any] | None
    transfer_via: str | None
    response_gaps_ms: list[float]
    error: str | None
    answered: list[str]
    handover: dict[str, Any] | None
    callbacks: list[CallbackOut]

    model_config = {"extra": "allow"}  # counters and transport stats


class CallPage(BaseModel):
    calls: list[CallSummary]
    next_cursor: str | None


class LiveOut(BaseModel):
    calls: list[LiveCall]


class CallbackQueue(BaseModel):
    callbacks: list[CallbackOut]


class IntentCount(BaseModel):
    intent: str
    calls: int


class GapBin(BaseModel):
    from_ms: int
    calls: int


class DayPoint(BaseModel):
    day: str
    calls: int
    containment: float | None


class Kpis(BaseModel):
    period_from: str | None
    period_to: str | None
    kommune: str | None
    calls: int
    containment: float | None
    transfer_rate: float | None
    transfer_reasons: dict[str, int]
    csat: float | None
    csat_responses: int
    top_intents: list[IntentCount]
    after_hours_share: float | None
    response_gap_p50_ms: float | None
    response_gap_p95_ms: float | None
    response_gaps: int
    response_gap_histogram: list[GapBin]
    calls_per_hour: list[int]
    calls_per_weekday: list[int]
    callbacks_asked: int
    callbacks_done: int
    callbacks_open: int


class DailyKpis(BaseModel):
    days: list[DayPoint]


class DialplanText(BaseModel):
    name: str
    yaml: str


class DialplanIn(BaseModel):
    yaml: str


class ValidationOut(BaseModel):
    valid: bool
    errors: list[str]


class ReloadOut(BaseModel):
    loaded: list[str]
    rejected: dict[str, str]
    removed: list[str]
