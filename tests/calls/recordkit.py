"""Known call records for store and KPI tests (pure data)."""

from __future__ import annotations

from voicebot.calls.record import CallbackRequest, CallRecord, Turn


def record(
    call_id: str, kommune: str = "Odder", at: str = "2026-11-24T10:15:00+01:00", *, outcome: str = "contained",
    intents: tuple[str, ...] = ("pas",), gaps: tuple[float, ...] = (600.0,), rating: int | None = None,
    after_hours: bool = False, reason: str | None = None, callback: str | None = None, channel: str = "replay",
    caller: str = "+4520000000",
) -> CallRecord:  # fmt: skip
    rec = CallRecord(call_id, kommune.lower(), kommune, at, channel=channel, caller=caller)
    rec.turns.append(Turn("bot", "Goddag, hvad kan jeg hjælpe med?", 0.0, 3.0))
    t = 4.0
    for intent in intents:
        rec.turns.append(Turn("caller", f"jeg spørger om {intent}", t, t + 1.0, intent, 0.9))
        rec.turns.append(Turn("bot", f"Her er svaret om {intent}.", t + 1.6, t + 4.0))
        t += 5.0
    rec.outcome, rec.rating, rec.after_hours = outcome, rating, after_hours
    rec.response_gaps_ms = list(gaps)
    rec.end_reason = "caller_hangup"
    if reason:
        rec.transfer = {"target": "sip:agent@127.0.0.1", "reason": reason}
    if callback:
        rec.callback = CallbackRequest(callback, "closed_hours")
    return rec
