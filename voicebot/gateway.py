"""Composition root: the one place that picks concrete engines and wires a call."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from voicebot.asr.base import Recognizer
from voicebot.asr.factory import create_recognizer
from voicebot.config import Settings, load_settings
from voicebot.dialog.plan import Dialplan
from voicebot.dialog.registry import DialplanRegistry
from voicebot.intent.base import IntentEngine
from voicebot.intent.factory import create_intent_engine
from voicebot.tts.base import Synthesizer
from voicebot.tts.factory import create_synthesizer


@dataclass
class Services:
    """Shared, long-lived objects. Engines are loaded lazily and cached per (engine, model)."""

    settings: Settings
    dialplans: DialplanRegistry
    intent_engine: IntentEngine
    _recognizers: dict[tuple[str, str | None], Recognizer] = field(default_factory=dict)
    _synths: dict[tuple[str, str | None], Synthesizer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def recognizer(self, plan: Dialplan | None = None) -> Recognizer:
        key = ("whisper", None)
        with self._lock:
            if key not in self._recognizers:
                self._recognizers[key] = create_recognizer(self.settings, *key)
            return self._recognizers[key]

    def synthesizer(self, plan: Dialplan | None = None) -> Synthesizer:
        key = ("espeak", None)
        with self._lock:
            if key not in self._synths:
                self._synths[key] = create_synthesizer(self.settings, *key)
            return self._synths[key]


def build_services(settings: Settings | None = None, dialplans_dir: Path | None = None) -> Services:
    settings = settings or load_settings()
    registry = DialplanRegistry.from_dir(dialplans_dir or settings.dialplans_dir)
    return Services(settings=settings, dialplans=registry, intent_engine=create_intent_engine(settings))
