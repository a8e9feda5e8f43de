"""The call record: a stable JSON schema shared by replay, the API and the reports.

    {"call_id", "dialplan", "kommune", "started_at", "channel", "after_hours",
     "turns": [{"speaker": "caller"|"bot", "text", "start_s", "end_s", "intent"?, "confidence"?}],
     "intents": [...], "heard"?: [{"intent", "confidence", "start_s"}],
     "outcome": "contained"|"transferred"|"abandoned"|"error",
     "transfer": {"target", "reason"} | null, "response_gaps_ms": [...],
     "end_reason", "rating"?, "callback"?, "answered"?, "handover"?, "error"?, counters…}

Every field is typed. One writer fills it during a call: `voicebot.pipeline.recorder.CallRecorder`.
A new field goes here (typed, with a default) and is written by the recorder from an event.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_KEYS = (
    "call_id", "dialplan", "kommune", "started_at", "turns", "intents", "outcome", "transfer", "response_gaps_ms",
)  # fmt: skip
OUTCOMES = ("contained", "transferred", "abandoned", "error")


@dataclass
class Turn:
    speaker: str
    text: str
    start_s: float
    end_s: float
    intent: str | None = None
    confidence: float | None = None
    acted: tuple[str, ...] | None = None  # what the dialog acted on in this turn (None: not told)

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
class Heard:
    """A guess the bot did not act on (below its thresholds, or not what the caller meant)."""

    intent: str
    confidence: float
    start_s: float


@dataclass
class CallbackRequest:
    number: str
    reason: str


@dataclass
class Counters:
    """How the pipeline worked on this call (for benches and diagnosis)."""

    speculative_decodes: int = 0
    speculative_hits: int = 0
    early_turn_ends: int = 0
    barge_ins: int = 0
    transfer_failures: int = 0


@dataclass
class CallRecord:
    call_id: str
    dialplan: str
    kommune: str | None
    started_at: str
    channel: str = "replay"  # sip | webrtc | replay
    caller: str = ""  # personal data: kept for erasure requests, never logged
    called: str = ""
    after_hours: bool = False  # the call started outside the dialplan's opening hours
    turns: list[Turn] = field(default_factory=list)
    outcome: str = "abandoned"
    transfer: dict[str, Any] | None = None
    transfer_via: str | None = None  # refer | bridge
    response_gaps_ms: list[float] = field(default_factory=list)
    end_reason: str = ""
    error: str | None = None
    rating: int | None = None
    callback: CallbackRequest | None = None
    answered: list[str] = field(default_factory=list)  # topics answered from the knowledge base
    heard: list[Heard] = field(default_factory=list)  # rejected guesses; never in `intents` or a REFER
    handover: dict[str, Any] | None = None  # the context handed to the agent
    counters: Counters = field(default_factory=Counters)
    transport: dict[str, Any] = field(default_factory=dict)  # the transport's own stats (codec, frames…)

    @property
    def intents(self) -> list[str]:
        """What the bot acted on: answered, confirmed, or used for a transfer, in call order."""
        out: list[str] = []
        for t in sorted(self.turns, key=lambda t: t.start_s):
            if t.speaker != "caller":
                continue
            if t.acted is not None:
                out.extend(t.acted)
            elif t.intent and t.intent != "ukendt":
                out.append(t.intent)
        return out

    def add_caller_turn(self, turn: Turn) -> None:
        """A caller turn; its intent goes to `heard` when the dialog did not act on it."""
        self.turns.append(turn)
        if turn.acted is not None and turn.intent and turn.intent != "ukendt" and turn.intent not in turn.acted:
            self.heard.append(Heard(turn.intent, round(turn.confidence or 0.0, 3), round(turn.start_s, 3)))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "call_id": self.call_id,
            "dialplan": self.dialplan,
            "kommune": self.kommune,
            "started_at": self.started_at,
            "channel": self.channel,
            "after_hours": self.after_hours,
            "turns": [t.to_dict() for t in sorted(self.turns, key=lambda t: (t.start_s, t.speaker != "caller"))],
            "intents": self.intents,
            "outcome": self.outcome,
            "transfer": self.transfer,
            "response_gaps_ms": [round(g, 1) for g in self.response_gaps_ms],
            "end_reason": self.end_reason,
        }
        optional = {
            "error": self.error, "transfer_via": self.transfer_via, "rating": self.rating, "handover": self.handover,
            "callback": asdict(self.callback) if self.callback else None, "answered": self.answered or None,
            "heard": [asdict(h) for h in self.heard] or None,
        }  # fmt: skip
        d.update({k: v for k, v in optional.items() if v is not None})
        d.update({k: v for k, v in asdict(self.counters).items() if v})
        if self.transport:
            d[self.channel] = dict(self.transport)
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_state(self) -> dict[str, Any]:
        """Every field, losslessly (the disk spool); `to_dict` is the public schema, this is not."""
        return asdict(self)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> CallRecord:
        s = dict(state)
        s["turns"] = [Turn(**{**t, "acted": None if t.get("acted") is None else tuple(t["acted"])})
                      for t in s.get("turns", [])]  # fmt: skip
        s["heard"] = [Heard(**h) for h in s.get("heard", [])]
        s["callback"] = CallbackRequest(**s["callback"]) if s.get("callback") else None
        s["counters"] = Counters(**s.get("counters", {}))
        return cls(**s)
