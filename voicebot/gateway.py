"""Composition root: the one place that picks concrete engines and wires a call.

`run_call` serves every transport (SIP, WebRTC, replay): it loads the dialplan's engines off
the event loop, builds the session, and does what a transport must not: the call record's
journal (start, turn by turn, finish), the call log, and saving record-mode cases. A transport
hands it a `CallSetup` (clock, sink, control) and feeds the session's inbox.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voicebot.asr.base import Recognizer
from voicebot.asr.factory import create_recognizer_for
from voicebot.asr.vocabulary import build_prompt, expect_prompts
from voicebot.calls.calllog import redact
from voicebot.calls.record import CallRecord
from voicebot.calls.spool import SpoolingJournal, default_spool_dir
from voicebot.calls.store import CallStore
from voicebot.config import Settings, load_settings
from voicebot.dialog.machine import Dialog
from voicebot.dialog.plan import AsrEngine, Dialplan, TtsEngine
from voicebot.dialog.registry import DialplanRegistry
from voicebot.intent.base import IntentEngine
from voicebot.intent.factory import create_intent_engine
from voicebot.pipeline.recorder import CallRecorder
from voicebot.pipeline.session import AudioSink, CallControl, CallSession, SessionConfig
from voicebot.pipeline.understand import Understanding
from voicebot.tts.base import Synthesizer
from voicebot.tts.factory import create_synthesizer

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Shared, long-lived objects. Engines are loaded lazily and cached per (engine, model)."""

    settings: Settings
    dialplans: DialplanRegistry
    intent_engine: IntentEngine
    calls: CallStore = field(default_factory=CallStore)
    journal: SpoolingJournal | None = None  # the store with its disk spool (serve); None: the store alone
    call_log: Path | None = None  # each finished call appended as a JSON line
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
    store = CallStore(settings.database_url)
    spool = settings.spool_dir or default_spool_dir(settings.database_url)
    return Services(
        settings=settings,
        dialplans=registry,
        intent_engine=create_intent_engine(settings),
        calls=store,
        journal=SpoolingJournal(store, spool),
    )


@dataclass
class CallSetup:
    """What a transport brings to a call: its clock, its sink and call control, and who called."""

    clock: Any
    sink: AudioSink
    control: CallControl
    in_rate: int
    channel: str
    called: str = ""
    caller: str = ""
    call_id: str | None = None
    started_at: datetime | None = None
    stats: Callable[[], dict[str, Any]] | None = None  # the transport's own figures, read at the end
    log_extra: Callable[[], dict[str, Any]] | None = None  # added to the call-log line only
    journal: bool = True  # keep the record in the call store (a replay opts in)


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
    channel: str = "replay",
    journal: bool = False,
) -> CallSession:
    """One call's pipeline, the same for SIP, WebRTC and replay; only clock and transport differ."""
    call_id = call_id or uuid.uuid4().hex[:12]
    started = started_at or datetime.now(UTC)
    engine = services.intent_engine
    dialog = Dialog(plan, getattr(engine, "kb", None), call_id, started_at=started_at)
    after_hours = plan.hours is not None and not dialog.is_open
    started_iso = started.isoformat(timespec="seconds")
    record = CallRecord(call_id, plan.name, plan.kommune, started_iso, channel=channel, after_hours=after_hours)
    return CallSession(
        recorder=CallRecorder(record, (services.journal or services.calls) if journal else None),
        dialog=dialog,
        understanding=Understanding(engine, plan.kommune, plan.thresholds.answer),
        recognizer=services.recognizer(plan),
        synthesizer=services.synthesizer(plan),
        clock=clock,
        sink=sink,
        control=control,
        config=SessionConfig(
            in_rate=in_rate,
            asr_prompt=build_prompt(plan.kommune, list(plan.vocabulary)),
            asr_prompts=expect_prompts(),
            keep_caller_audio=records_calls(services, plan),
            asr_timeout_s=getattr(getattr(services, "settings", None), "asr_timeout_s", 10.0),
        ),
    )


async def load_engines(services: Services, plan: Dialplan) -> None:
    """Load (or find cached) the dialplan's engines in a worker thread, never on the loop."""
    await asyncio.to_thread(services.recognizer, plan)
    await asyncio.to_thread(services.synthesizer, plan)


async def run_call(
    services: Services,
    plan: Dialplan,
    setup: CallSetup,
    *,
    on_session: Callable[[CallSession], None] | None = None,
) -> CallSession:
    """Run one call to its end and keep its record: the same for every transport."""
    await load_engines(services, plan)
    session = create_session(
        services, plan, clock=setup.clock, sink=setup.sink, control=setup.control, in_rate=setup.in_rate,
        call_id=setup.call_id, started_at=setup.started_at, channel=setup.channel, journal=setup.journal,
    )  # fmt: skip
    if on_session is not None:
        on_session(session)
    try:
        await session.run(called=setup.called, caller=setup.caller)
    finally:
        if setup.stats is not None:
            session.recorder.transport(**setup.stats())
        await asyncio.wrap_future(session.recorder.persist_end())
        await asyncio.to_thread(_after_call, services, plan, session, setup)
    return session


def _after_call(services: Services, plan: Dialplan, session: CallSession, setup: CallSetup) -> None:
    if services.call_log is not None:
        line = session.record.to_dict()
        if setup.log_extra is not None:
            line.setdefault(setup.channel, {}).update(setup.log_extra())
        with services.call_log.open("a", encoding="utf-8") as f:
            f.write(json.dumps(redact(line), ensure_ascii=False) + "\n")  # no DTMF digits, no CPR-like runs
    try:
        save_recorded_call(services, plan, session)
    except OSError as exc:  # record mode is best effort; the call itself is done
        log.error("call %s: could not save the recorded case: %s", session.record.call_id, exc)


def records_calls(services: Services, plan: Dialplan) -> bool:
    """Record mode: only where the dialplan asks callers for consent and a folder is configured."""
    return plan.recording_consent is not None and services.settings.record_dir is not None


def save_recorded_call(services: Services, plan: Dialplan, session: CallSession) -> Path | None:
    """After a call: save it as a suite-ready regression case (audio, record, expectation)."""
    if not records_calls(services, plan):
        return None
    folder = services.settings.record_dir
    assert folder is not None
    from voicebot.suite.record import save_case

    folder = folder / plan.name
    wav, _spec = save_case(
        folder, session.caller_audio(), session.config.in_rate, session.record, dtmf=session.dtmf_log
    )
    return wav
