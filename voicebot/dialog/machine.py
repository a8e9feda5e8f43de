"""The dialog state machine: sans-io, `on(event, now) -> actions`, timers via `next_deadline()`.

greeting → listen → answer → "Er der andet…?" → … → goodbye; `medarbejder` or DTMF 0 transfers.
"""

from __future__ import annotations

from typing import Any

from voicebot.dialog.plan import Dialplan
from voicebot.frames import (
    Action,
    CallerEvent,
    CallerHangup,
    CallStarted,
    Dtmf,
    Hangup,
    Listen,
    PlaybackDone,
    Say,
    Timeout,
    Transcript,
    Transfer,
    TurnResult,
)
from voicebot.intent.base import TOPIC_INTENTS, UNKNOWN, IntentEngine


class Dialog:
    def __init__(self, plan: Dialplan, engine: IntentEngine, call_id: str = "") -> None:
        self.plan = plan
        self.engine = engine
        self.call_id = call_id
        self.ended = False
        self.intents: list[str] = []
        self._say_seq = 0
        self._last_say = ""
        self._deadline: float | None = None
        self._listening_after: int | None = None  # arm no-input after this say finishes
        self._no_input = 0
        self._no_match = 0
        self._context: dict[str, Any] = {}

    # ------------------------------------------------------------------ public API
    def next_deadline(self) -> float | None:
        return self._deadline

    def on(self, event: CallerEvent, now: float) -> list[Action]:
        if self.ended:
            return []
        match event:
            case CallStarted():
                return self._say(self.plan.greeting)
            case PlaybackDone(say_id=sid) if sid == self._listening_after:
                self._deadline = now + self.plan.reprompts.no_input_timeout_s
                return [Listen(self.plan.reprompts.no_input_timeout_s)]
            case Timeout() if self._deadline is not None and now >= self._deadline:
                self._deadline = None
                self._no_input += 1
                if self._no_input > self.plan.reprompts.max_no_input:
                    return self._end(Hangup("no_input"), self.plan.goodbye)
                return self._say(self.plan.no_input)
            case Dtmf(digit="0"):
                return self._transfer("caller_request", "default")
            case Transcript():
                return self._on_text(event, now)
            case CallerHangup():
                self.ended = True
                self._deadline = None
        return []

    # ------------------------------------------------------------------ internals
    def _say(self, text: str) -> list[Action]:
        self._say_seq += 1
        self._last_say = text
        self._listening_after = self._say_seq
        self._deadline = None
        return [Say(text, say_id=self._say_seq)]

    def _end(self, final: Action, text: str | None) -> list[Action]:
        actions: list[Action] = []
        if text:
            actions.extend(self._say(text))
        self._listening_after = None
        self._deadline = None
        self.ended = True
        actions.append(final)
        return actions

    def _transfer(self, reason: str, queue: str) -> list[Action]:
        target = self.plan.transfer_targets.get(queue) or self.plan.transfer_targets["default"]
        context = {"kommune": self.plan.kommune, "intents": list(self.intents), **self._context}
        return self._end(Transfer(target, reason, context), self.plan.transfer_message)

    def _on_text(self, tr: Transcript, now: float) -> list[Action]:
        self._deadline = None
        res = self.engine.classify(tr.text, kommune=self.plan.kommune, context=self._context)
        turn = TurnResult(tr.text, tr.start_s, tr.end_s, res.intent, res.confidence, res.entities)
        if res.intent != UNKNOWN:
            self.intents.append(res.intent)
        if res.intent == "medarbejder":
            return [turn, *self._transfer("caller_request", "default")]
        if res.intent == "afslut" or (res.intent == "nej" and self._last_say == self.plan.anything_else):
            return [turn, *self._end(Hangup("completed"), self.plan.goodbye)]
        if res.intent == "gentag":
            return [turn, *self._say(self._last_say)]
        if res.intent in TOPIC_INTENTS and res.confidence >= self.plan.thresholds.answer:
            self._no_match = 0
            self._context["last_topic"] = res.intent
            answer = self.plan.answers.get(res.intent) or res.answer or ""
            return [turn, *self._say(f"{answer} {self.plan.anything_else}".strip())]
        if res.intent == "ja" and self._last_say == self.plan.anything_else:
            return [turn, *self._say("Hvad kan jeg hjælpe med?")]
        self._no_match += 1
        if self._no_match > self.plan.reprompts.max_no_match:
            return [turn, *self._transfer("no_match_limit", "default")]
        return [turn, *self._say(self.plan.no_match)]
