"""Readers of call records: the filtered call list with cursor pagination, one call, live calls,
the callback queue. Each takes a SQLAlchemy connection; nothing here writes except `callback_done`."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select, update

from voicebot.calls.rows import call_detail as detail_of
from voicebot.calls.rows import call_summary, iso_utc
from voicebot.calls.schema import call_intents, callbacks, calls, gaps, turns
from voicebot.errors import InputError


@dataclass(frozen=True)
class CallFilter:
    kommune: str | None = None
    start: datetime | None = None  # naive UTC, inclusive
    end: datetime | None = None  # naive UTC, exclusive
    outcome: str | None = None
    intent: str | None = None
    transfer_reason: str | None = None
    dialplan: str | None = None

    def where(self) -> list[Any]:
        c = calls.c
        out: list[Any] = []
        if self.kommune:
            out.append(c.kommune == self.kommune)
        if self.start:
            out.append(c.started_at >= self.start)
        if self.end:
            out.append(c.started_at < self.end)
        if self.outcome:
            out.append(c.outcome == self.outcome)
        if self.transfer_reason:
            out.append(c.transfer_reason == self.transfer_reason)
        if self.dialplan:
            out.append(c.dialplan == self.dialplan)
        if self.intent:
            out.append(exists().where(and_(call_intents.c.call_id == c.call_id, call_intents.c.intent == self.intent)))
        return out


def encode_cursor(started: datetime, call_id: str) -> str:
    return base64.urlsafe_b64encode(f"{started.isoformat()}|{call_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, call_id = raw.split("|", 1)
        return datetime.fromisoformat(when), call_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError("invalid cursor") from exc


def list_calls(
    conn: Any, flt: CallFilter, limit: int = 50, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; the cursor is the (started_at, call_id) of the last row of the previous page."""
    q = select(calls).where(*flt.where())
    if cursor:
        when, call_id = decode_cursor(cursor)
        q = q.where(or_(calls.c.started_at < when, and_(calls.c.started_at == when, calls.c.call_id < call_id)))
    rows = conn.execute(q.order_by(calls.c.started_at.desc(), calls.c.call_id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    nxt = encode_cursor(page[-1].started_at, page[-1].call_id) if len(rows) > limit else None
    return [call_summary(r) for r in page], nxt


def call_detail(conn: Any, call_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(calls).where(calls.c.call_id == call_id)).first()
    if row is None:
        return None
    t = conn.execute(select(turns).where(turns.c.call_id == call_id).order_by(turns.c.seq)).all()
    g = conn.execute(select(gaps.c.ms).where(gaps.c.call_id == call_id).order_by(gaps.c.seq)).scalars().all()
    intents = [x.intent for x in t if x.speaker == "caller" and x.intent and x.intent != "ukendt"]
    out = detail_of(row, t, list(g), intents)
    out["callbacks"] = callbacks_of(conn, call_id)
    return out


def live_calls(conn: Any, kommune: str | None = None) -> list[dict[str, Any]]:
    q = select(calls).where(calls.c.live.is_(True))
    if kommune:
        q = q.where(calls.c.kommune == kommune)
    rows = conn.execute(q.order_by(calls.c.started_at)).all()
    return [{**call_summary(r), "worker": r.worker} for r in rows]


def _callback(r: Any) -> dict[str, Any]:
    return {
        "id": r.id, "call_id": r.call_id, "kommune": r.kommune, "number": r.number, "reason": r.reason,
        "created_at": iso_utc(r.created_at), "done_at": iso_utc(r.done_at), "done_by": r.done_by,
    }  # fmt: skip


def callbacks_of(conn: Any, call_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(callbacks).where(callbacks.c.call_id == call_id).order_by(callbacks.c.id)).all()
    return [_callback(r) for r in rows]


def callback_queue(
    conn: Any, kommune: str | None = None, include_done: bool = False, limit: int = 500
) -> list[dict[str, Any]]:
    q = select(callbacks)
    if kommune:
        q = q.where(callbacks.c.kommune == kommune)
    if not include_done:
        q = q.where(callbacks.c.done_at.is_(None))
    rows = conn.execute(q.order_by(callbacks.c.created_at, callbacks.c.id).limit(limit)).all()
    return [_callback(r) for r in rows]


def callback_get(conn: Any, callback_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(callbacks).where(callbacks.c.id == callback_id)).first()
    return _callback(row) if row else None


def callback_done(conn: Any, callback_id: int, by: str, now: datetime) -> dict[str, Any] | None:
    """Mark a callback done (idempotent: the first time and person stay)."""
    conn.execute(
        update(callbacks).where(callbacks.c.id == callback_id, callbacks.c.done_at.is_(None))
        .values(done_at=now, done_by=by)
    )  # fmt: skip
    row = conn.execute(select(callbacks).where(callbacks.c.id == callback_id)).first()
    return _callback(row) if row else None


def kommuner(conn: Any) -> list[str]:
    rows = conn.execute(select(calls.c.kommune).where(calls.c.kommune.is_not(None)).distinct()).scalars().all()
    return sorted(rows)
