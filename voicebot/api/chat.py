"""POST /api/chat: the text channel, through the same intent engine object as voice.

A session (by `session_id`) keeps short context: the last topic, so "hvad koster det?" after a
question about pas is about pas, and a pending confirmation, so "ja" after "Spørger du om pas?"
gives the pas answer. Bad input is a 422, an unreachable remote NLU a 503; never a 500.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, field_validator

from voicebot.errors import VoicebotError
from voicebot.intent.base import TOPIC_INTENTS, UNKNOWN

router = APIRouter()
ANSWER_THRESHOLD = 0.6
CONFIRM_THRESHOLD = 0.35
SESSION_TTL_S = 1800.0
MAX_SESSIONS = 10_000
LABELS = {
    "pas": "pas", "koerekort": "kørekort", "flytning": "flytning", "laegeskift": "skift af læge",
    "sundhedskort": "sundhedskort", "mitid": "MitID", "digital_post": "Digital Post",
    "tidsbestilling": "tidsbestilling", "aabningstider": "åbningstider", "kontakt_adresse": "adresse og telefon",
    "rotter": "rotter", "pladsanvisning": "pasning og pladsanvisning", "sagsstatus": "din sag",
    "fuldmagt": "fuldmagt",
}  # fmt: skip


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
    """Short per-session context, bounded in count and age. `now` is passed in (monotonic seconds)."""

    def __init__(self) -> None:
        self._data: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: str, now: float) -> dict[str, Any]:
        with self._lock:
            for old in [k for k, v in self._data.items() if now - v["_seen"] > SESSION_TTL_S]:
                del self._data[old]
            state = self._data.pop(sid, None) or {"misses": 0}
            state["_seen"] = now
            self._data[sid] = state
            while len(self._data) > MAX_SESSIONS:
                self._data.popitem(last=False)
            return state


def _sessions(request: Request) -> Sessions:
    app_state = request.app.state
    if not hasattr(app_state, "chat_sessions"):
        app_state.chat_sessions = Sessions()
    return app_state.chat_sessions


@router.post("/api/chat")
def chat(body: ChatIn, request: Request) -> dict[str, Any]:
    engine = request.app.state.services.intent_engine
    sid = body.session_id or uuid.uuid4().hex
    state = _sessions(request).get(sid, time.monotonic())
    context = {"last_topic": state.get("last_topic"), "kommune": body.kommune}
    try:
        res = engine.classify(body.text, kommune=body.kommune, context=context)
    except VoicebotError as exc:
        raise HTTPException(503 if exc.retryable else 502, detail=f"intent engine: {exc}") from exc
    intent, conf, answer = res.intent, res.confidence, res.answer
    kb = getattr(engine, "kb", None)  # the knowledge base both engines answer from
    pending = state.pop("pending", None)
    if pending and intent in ("ja", "nej"):
        if intent == "ja":
            intent, conf = pending, 1.0
            ans = kb.answer(pending, body.kommune) if kb else None
            answer = ans.text if ans else None
        else:
            answer = "Undskyld. Hvad kan jeg så hjælpe dig med?"
    elif intent in TOPIC_INTENTS and CONFIRM_THRESHOLD <= conf < ANSWER_THRESHOLD:
        state["pending"] = intent
        answer = f"Spørger du om {LABELS[intent]}? Svar ja eller nej."
    elif intent in TOPIC_INTENTS and conf < CONFIRM_THRESHOLD:
        intent, answer = UNKNOWN, kb.conversation.get(UNKNOWN) if kb else None
    if intent in TOPIC_INTENTS and conf >= ANSWER_THRESHOLD:
        state["last_topic"] = intent
    state["misses"] = state["misses"] + 1 if intent == UNKNOWN else 0
    return {
        "intent": intent,
        "confidence": round(conf, 4),
        "answer": answer,
        "handoff": intent == "medarbejder" or state["misses"] >= 2,
        "alternatives": [{"intent": i, "confidence": round(c, 4)} for i, c in res.alternatives],
        "entities": res.entities,
        "session_id": sid,
    }
