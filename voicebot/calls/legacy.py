"""Copy records of the first version's `calls` table (one JSON blob per call) into the v1 schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text

from voicebot.calls.record import CallbackRequest, CallRecord, Turn
from voicebot.calls.rows import call_row, duration_end, turn_row
from voicebot.calls.schema import call_intents, callbacks, calls, gaps, turns


def record_from_dict(d: dict[str, Any]) -> CallRecord:
    rec = CallRecord(str(d["call_id"]), str(d.get("dialplan") or "default"), d.get("kommune"), str(d["started_at"]))
    rec.channel = str(d.get("channel") or "replay")
    rec.after_hours = bool(d.get("after_hours"))
    rec.outcome = str(d.get("outcome") or "abandoned")
    rec.transfer = d.get("transfer")
    rec.transfer_via = d.get("transfer_via")
    rec.response_gaps_ms = [float(g) for g in d.get("response_gaps_ms") or []]
    rec.end_reason = str(d.get("end_reason") or "")
    rec.error = d.get("error")
    rec.rating = d.get("rating") if isinstance(d.get("rating"), int) else None
    rec.answered = list(d.get("answered") or [])
    rec.handover = d.get("handover")
    cb = d.get("callback")
    rec.callback = CallbackRequest(str(cb.get("number", "")), str(cb.get("reason", ""))) if cb else None
    for t in d.get("turns") or []:
        rec.turns.append(Turn(t["speaker"], t.get("text", ""), float(t["start_s"]), float(t["end_s"]),
                              t.get("intent"), t.get("confidence")))  # fmt: skip
    return rec


def insert_record(conn: Any, rec: CallRecord, at: datetime) -> None:
    """Insert one finished call with its turns, intents, gaps and callback (no live bookkeeping)."""
    row = call_row(rec, "", live=False)
    row["ended_at"] = duration_end(row["started_at"], rec)
    conn.execute(insert(calls).values(**row))
    if rec.turns:
        conn.execute(insert(turns), [turn_row(rec.call_id, i, t, at) for i, t in enumerate(rec.turns)])
    seen = list(dict.fromkeys(rec.intents))
    if seen:
        conn.execute(insert(call_intents), [
            {"call_id": rec.call_id, "intent": i, "kommune": rec.kommune, "started_at": row["started_at"],
             "day": row["day"]} for i in seen
        ])  # fmt: skip
    if rec.response_gaps_ms:
        conn.execute(insert(gaps), [
            {"call_id": rec.call_id, "seq": i, "ms": round(g), "kommune": rec.kommune,
             "started_at": row["started_at"], "day": row["day"]} for i, g in enumerate(rec.response_gaps_ms)
        ])  # fmt: skip
    if rec.callback is not None:
        conn.execute(insert(callbacks).values(call_id=rec.call_id, kommune=rec.kommune, number=rec.callback.number,
                                              reason=rec.callback.reason, created_at=row["ended_at"]))  # fmt: skip


def copy_legacy_calls(conn: Any, table: str) -> int:
    at = datetime.now(UTC).replace(tzinfo=None)
    n = 0
    for (blob,) in conn.execute(text(f"SELECT record FROM {table}")).all():
        insert_record(conn, record_from_dict(json.loads(blob)), at)
        n += 1
    return n
