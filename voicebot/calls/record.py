"""The call record: a stable JSON schema shared by replay, the API and the reports.

    {"call_id", "dialplan", "kommune", "started_at",
     "turns": [{"speaker": "caller"|"bot", "text", "start_s", "end_s", "intent"?, "confidence"?}],
     "intents": [...], "outcome": "contained"|"transferred"|"abandoned"|"error",
     "transfer": {"target", "reason"} | null, "response_gaps_ms": [...]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SCHEMA_KEYS = (
    "call_id", "dialplan", "kommune", "started_at", "turns", "intents", "outcome", "transfer", "response_gaps_ms",
)  # fmt: skip


@dataclass
class Turn:
    speaker: str
    text: str
    start_s: float
    end_s: float
    intent: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "speaker": self.speaker,
            "text": self.text,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
        }
        if self.intent is not None:
            d["intent"] = self.intent
            d["confidence"] = None if self.confidence is None else round(self.confidence, 3)
        return d


@dataclass
class CallRecord:
    call_id: str
    dialplan: str
    kommune: str | None
    started_at: str
    turns: list[Turn] = field(default_factory=list)
    outcome: str = "abandoned"
    transfer: dict[str, Any] | None = None
    response_gaps_ms: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # rating, end reason, context: not in the core schema

    @property
    def intents(self) -> list[str]:
        return [t.intent for t in self.turns if t.speaker == "caller" and t.intent and t.intent != "ukendt"]

    def to_dict(self) -> dict[str, Any]:
        d = {
            "call_id": self.call_id,
            "dialplan": self.dialplan,
            "kommune": self.kommune,
            "started_at": self.started_at,
            "turns": [t.to_dict() for t in sorted(self.turns, key=lambda t: (t.start_s, t.speaker != "caller"))],
            "intents": self.intents,
            "outcome": self.outcome,
            "transfer": self.transfer,
            "response_gaps_ms": [round(g, 1) for g in self.response_gaps_ms],
        }
        d.update(self.extra)
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
