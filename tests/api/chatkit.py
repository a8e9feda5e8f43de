"""Helpers for the chat tests: the phone path for the same text, as a call runs it: the call's
`Understanding` classifies the turn once (thread pool, the dialog's context), then the dialog."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from voicebot.dialog.machine import Dialog
from voicebot.dialog.plan import Dialplan
from voicebot.frames import CallStarted, Say, Transcript
from voicebot.intent.base import IntentEngine
from voicebot.pipeline.understand import Understanding

OPEN = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))  # a Tuesday morning
CLOSED = datetime(2026, 3, 11, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))  # a Wednesday: Odder is closed


class Phone:
    """A phone call's dialog fed transcripts; a new call starts after the bot ends one."""

    def __init__(self, plan: Dialplan, engine: IntentEngine, started_at: datetime | None = None) -> None:
        self.plan, self.engine, self.started_at = plan, engine, started_at
        self.dialog = self._call()
        self.t = 1.0

    def _call(self) -> Dialog:
        dialog = Dialog(self.plan, getattr(self.engine, "kb", None), "phone", started_at=self.started_at)
        dialog.on(CallStarted(0.0, "phone", called="+4587803333", caller="+4511223344"), 0.0)
        return dialog

    def say(self, text: str) -> str:
        if self.dialog.ended:
            self.dialog = self._call()
        self.t += 1.0
        understanding = Understanding(self.engine, self.plan.kommune, self.plan.thresholds.answer)
        result = asyncio.run(understanding.classify(text, self.dialog.intent_context()))
        heard = Transcript(text, 0.9, self.t - 0.8, self.t - 0.1, self.t, intent=result)
        actions = self.dialog.on(heard, self.t)
        return " ".join(a.text for a in actions if isinstance(a, Say))
