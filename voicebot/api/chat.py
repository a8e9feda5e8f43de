"""POST /api/chat: the text channel, through the same dialog policy and engine object as voice.

A session (by `session_id`) is a `ChatSession` (voicebot/chat/session.py): the phone's `Dialog`
for the kommune's dialplan, so thresholds, confirmations ("Spørger du om pas?"), follow-ups,
pointers and handoffs are the phone's, and the answer is the phone's Say text; opening hours are
judged at the session's start (`app.state.wall_clock`, default now). Sessions are bounded
in count and age. Bad input is a 422, an unreachable remote NLU a 503; never a 500.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, field_validator

from voicebot.chat.session import ChatReply, ChatSession, plan_for
from voicebot.errors import VoicebotError

router = APIRouter()
SESSION_TTL_S = 1800.0
MAX_SESSIONS = 10_000


class ChatIn(BaseModel):
    text: str = Field(max_length=2000)
    kommune: str | None = Field(None, max_length=100)
    session_id: str | None = Field(None, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty")
        return v


class Sessions:
    """Chat sessions, bounded in count and age. `now` is passed in (monotonic seconds)."""

    def __init__(self) -> None:
        self._data: OrderedDict[str, tuple[float, ChatSession]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: str, kommune: str | None, now: float, make: Any) -> ChatSession:
        with self._lock:
            for old in [k for k, (seen, _) in self._data.items() if now - seen > SESSION_TTL_S]:
                del self._data[old]
            entry = self._data.pop(sid, None)
            session = entry[1] if entry and entry[1].plan.kommune == kommune else make()
            self._data[sid] = (now, session)
            while len(self._data) > MAX_SESSIONS:
                self._data.popitem(last=False)
            return session


def _sessions(request: Request) -> Sessions:
    app_state = request.app.state
    if not hasattr(app_state, "chat_sessions"):
        app_state.chat_sessions = Sessions()
    return app_state.chat_sessions


def reply_json(reply: ChatReply, sid: str) -> dict[str, Any]:
    res = reply.result
    return {
        "intent": reply.intent,
        "confidence": round(reply.confidence, 4),
        "answer": reply.answer,
        "handoff": reply.handoff,
        "handoff_reason": reply.transfer["reason"] if reply.transfer else None,
        "ended": reply.ended,
        "acted": list(reply.acted),
        "sources": reply.sources,
        "alternatives": [{"intent": i, "confidence": round(c, 4)} for i, c in res.alternatives],
        "entities": {k: v for k, v in res.entities.items() if k not in ("sources", "source_owners")},
        "session_id": sid,
    }


@router.post("/api/chat")
def chat(body: ChatIn, request: Request) -> dict[str, Any]:
    services = request.app.state.services
    sid = body.session_id or uuid.uuid4().hex
    plan = plan_for(services.dialplans, body.kommune)

    wall_clock = getattr(request.app.state, "wall_clock", None) or (lambda: datetime.now(UTC))

    def make() -> ChatSession:  # opening hours are judged when the conversation starts, as for a call
        return ChatSession(plan, services.intent_engine, sid, started_at=wall_clock())

    session = _sessions(request).get(sid, plan.kommune, time.monotonic(), make)
    try:
        with session.lock:
            reply = session.ask(body.text)
    except VoicebotError as exc:
        raise HTTPException(503 if exc.retryable else 502, detail=f"intent engine: {exc}") from exc
    return reply_json(reply, sid)
