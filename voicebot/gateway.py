"""Composition root: the one place that picks concrete engines and wires a call."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voicebot.asr.base import Recognizer
from voicebot.asr.factory import create_recognizer_for
from voicebot.asr.vocabulary import build_prompt
from voicebot.calls.record import CallRecord
from voicebot.calls.store import CallStore
from voicebot.config import Settings, load_settings
from voicebot.dialog.machine import Dialog
from voicebot.dialog.plan import AsrEngine, Dialplan, TtsEngine
from voicebot.dialog.registry import DialplanRegistry
from voicebot.intent.base import IntentEngine
from voicebot.intent.factory import create_intent_engine
from voicebot.pipeline.session import AudioSink, CallControl, CallSession, SessionConfig
from voicebot.tts.base import Synthesizer
from voicebot.tts.factory import create_synthesizer


@dataclass
class Services:
    """Shared, long-lived objects. Engines are loaded lazily and cached per (engine, model)."""

    settings: Settings
    dialplans: DialplanRegistry
    intent_engine: IntentEngine
    calls: CallStore = field(default_factory=CallStore)
    _recognizers: dict[str, Recognizer] = field(default_factory=dict)
    _synths: dict[str, Synthesizer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def recognizer(self, plan: Dialplan | None = None) -> Recognizer:
        # One engine (and so one remote client, with its pool and breaker) per distinct engine section.
        cfg = plan.engines.asr if plan else AsrEngine()
        key = cfg.model_dump_json()
        with self._lock:
            if key not in self._recognizers:
                self._recognizers[key] = create_recognizer_for(self.settings, cfg)
            return self._recognizers[key]

    def synthesizer(self, plan: Dialplan | None = None) -> Synthesizer:
        cfg = plan.engines.tts if plan else TtsEngine(voice=None)
        key = cfg.model_dump_json()
        with self._lock:
            if key not in self._synths:
                self._synths[key] = create_synthesizer(self.settings, cfg.engine, cfg.voice, remote=cfg)
            return self._synths[key]


def build_services(settings: Settings | None = None, dialplans_dir: Path | None = None) -> Services:
    settings = settings or load_settings()
    registry = DialplanRegistry.from_dir(dialplans_dir or settings.dialplans_dir)
    return Services(
        settings=settings,
        dialplans=registry,
        intent_engine=create_intent_engine(settings),
        calls=CallStore(settings.database_url),
    )


def create_session(
    services: Services,
    plan: Dialplan,
    *,
    clock: Any,
    sink: AudioSink,
    control: CallControl,
    in_rate: int,
    call_id: str | None = None,
    started_at: datetime | None = None,
) -> CallSession:
    """One call's pipeline, the same for SIP, WebRTC and replay; only clock and transport differ."""
    call_id = call_id or uuid.uuid4().hex[:12]
    started = started_at or datetime.now(UTC)
    record = CallRecord(call_id, plan.name, plan.kommune, started.isoformat(timespec="seconds"))
    dialog = Dialog(plan, services.intent_engine, call_id, started_at=started_at)
    record.after_hours = plan.hours is not None and not dialog.is_open
    return CallSession(
        record=record,
        dialog=dialog,
        recognizer=services.recognizer(plan),
        synthesizer=services.synthesizer(plan),
        clock=clock,
        sink=sink,
        control=control,
        config=SessionConfig(
            in_rate=in_rate,
            asr_prompt=build_prompt(plan.kommune, list(plan.vocabulary)),
            keep_caller_audio=records_calls(services, plan),
            early_end=lambda text: confident_enough(services.intent_engine, plan, text),
        ),
    )


def confident_enough(engine: IntentEngine, plan: Dialplan, text: str) -> bool:
    """Would the dialog answer this text straight away? Then a pause is enough to end the turn."""
    res = engine.classify(text, kommune=plan.kommune)
    return res.intent != "ukendt" and res.confidence >= plan.thresholds.answer


def records_calls(services: Services, plan: Dialplan) -> bool:
    """Record mode: only where the dialplan asks callers for consent and a folder is configured."""
    return plan.recording_consent is not None and services.settings.record_dir is not None


def save_recorded_call(services: Services, plan: Dialplan, session: CallSession) -> Path | None:
    """After a call: save it as a suite-ready regression case (audio, record, expectation)."""
    folder = services.settings.record_dir
    if folder is None or not records_calls(services, plan):
        return None
    from voicebot.suite.record import save_case

    folder = folder / plan.name
    wav, _spec = save_case(
        folder, session.caller_audio(), session.config.in_rate, session.record, dtmf=session.dtmf_log
    )
    return wav
