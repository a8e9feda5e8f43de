"""Call records to table rows and back (pure): redaction happens here, on the way in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from voicebot.calls.record import CallRecord, Turn
from voicebot.intent.base import TOPIC_INTENTS
from voicebot.privacy.redact import redact, redact_value

LOCAL = ZoneInfo("Europe/Copenhagen")


def parse_time(value: str | datetime) -> datetime:
    """An ISO 8601 time (or datetime) as naive UTC, the form every time column holds."""
    t = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).replace(tzinfo=None)


def iso_utc(t: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 in Danish local time, as call records write it."""
    return None if t is None else t.replace(tzinfo=UTC).astimezone(LOCAL).isoformat(timespec="seconds")


def local_fields(started: datetime) -> dict[str, Any]:
    """The Danish calendar fields of a naive-UTC start time: day, hour, weekday (0 = Monday)."""
    local = started.replace(tzinfo=UTC).astimezone(LOCAL)
    return {"day": local.date(), "hour": local.hour, "weekday": local.weekday()}


def local_day_start(day: date) -> datetime:
    """Midnight of a Danish calendar day, as naive UTC (for period filters)."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def first_topic(intents: list[str]) -> str | None:
    return next((i for i in intents if i in TOPIC_INTENTS), None)


def call_row(rec: CallRecord, worker: str = "", live: bool = True) -> dict[str, Any]:
    started = parse_time(rec.started_at)
    transfer = rec.transfer or {}
    extra = {"counters": {k: v for k, v in vars(rec.counters).items() if v}, "transport": rec.transport,
             "heard": [vars(h) for h in rec.heard], "intents": rec.intents}  # fmt: skip
    return {
        "call_id": rec.call_id, "dialplan": rec.dialplan, "kommune": rec.kommune, "channel": rec.channel,
        "caller": rec.caller or "", "called": rec.called or "", "started_at": started, **local_fields(started),
        "live": live, "worker": worker, "outcome": rec.outcome, "end_reason": rec.end_reason or "",
        "topic": first_topic(rec.intents), "transfer_target": transfer.get("target"),
        "transfer_reason": transfer.get("reason"), "transfer_via": rec.transfer_via,
        "after_hours": bool(rec.after_hours), "rating": rec.rating, "error": rec.error,
        "answered": ",".join(rec.answered),
        "handover": json.dumps(redact_value(rec.handover), ensure_ascii=False) if rec.handover else None,
        "extra": json.dumps(extra, ensure_ascii=False, default=str),
    }  # fmt: skip


def turn_key(turn: Turn) -> tuple[str, float, str]:
    return (turn.speaker, round(turn.start_s, 3), turn.text)


def turn_row(call_id: str, seq: int, turn: Turn, at: datetime) -> dict[str, Any]:
    return {
        "call_id": call_id, "seq": seq, "speaker": turn.speaker, "text": redact(turn.text),
        "start_s": round(turn.start_s, 3), "end_s": round(turn.end_s, 3), "intent": turn.intent,
        "confidence": None if turn.confidence is None else round(turn.confidence, 3), "at": at,
    }  # fmt: skip


def call_summary(row: Any) -> dict[str, Any]:
    """The list view of a calls row (no personal data: no caller number, no transcript)."""
    return {
        "call_id": row.call_id, "dialplan": row.dialplan, "kommune": row.kommune, "channel": row.channel,
        "started_at": iso_utc(row.started_at), "ended_at": iso_utc(row.ended_at), "live": bool(row.live),
        "outcome": row.outcome, "end_reason": row.end_reason, "topic": row.topic,
        "transfer_reason": row.transfer_reason, "after_hours": bool(row.after_hours), "rating": row.rating,
    }  # fmt: skip


def call_detail(row: Any, turns: list[Any], gaps: list[int], intents: list[str]) -> dict[str, Any]:
    """One call as the record schema (`CallRecord.to_dict`), from its rows."""
    extra = json.loads(row.extra) if row.extra else {}
    transfer = {"target": row.transfer_target, "reason": row.transfer_reason} if row.transfer_reason else None
    out = {
        **call_summary(row),
        "turns": [
            {"speaker": t.speaker, "text": t.text, "start_s": t.start_s, "end_s": t.end_s}
            | ({"intent": t.intent, "confidence": t.confidence} if t.intent is not None else {})
            for t in sorted(turns, key=lambda t: (t.start_s, t.speaker != "caller", t.seq))
        ],
        # a finished call: what the bot acted on, as its record said (a live one, and older rows:
        # every recognised caller intent, until the call's end writes its record)
        "intents": extra["intents"] if "intents" in extra and not row.live else intents,
        "transfer": transfer, "transfer_via": row.transfer_via,
        "response_gaps_ms": [float(g) for g in gaps], "error": row.error,
        "answered": [a for a in row.answered.split(",") if a],
        "handover": json.loads(row.handover) if row.handover else None,
        **extra.get("counters", {}),
    }  # fmt: skip
    if extra.get("transport"):
        out[row.channel] = extra["transport"]
    if extra.get("heard"):  # guesses the bot did not act on (never in `intents`)
        out["heard"] = extra["heard"]
    return out


def duration_end(started: datetime, rec: CallRecord) -> datetime:
    """When a finished call ended on its own clock: start + the end of its last turn."""
    last = max((t.end_s for t in rec.turns), default=0.0)
    return started + timedelta(seconds=last)
