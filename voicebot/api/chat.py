"""POST /api/chat: the text channel, through the same intent engine as voice."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

router = APIRouter()


class ChatIn(BaseModel):
    text: str = Field(max_length=2000)
    kommune: str | None = None
    session_id: str | None = None


@router.post("/api/chat")
def chat(body: ChatIn, request: Request) -> dict[str, Any]:
    engine = request.app.state.services.intent_engine
    res = engine.classify(body.text, kommune=body.kommune)
    return {
        "intent": res.intent,
        "confidence": res.confidence,
        "answer": res.answer,
        "handoff": res.intent == "medarbejder",
        "alternatives": [{"intent": i, "confidence": c} for i, c in res.alternatives],
    }
