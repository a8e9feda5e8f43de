"""One call, wired: transport in → front end → ASR → understanding → dialog → playout → transport out.

Stages are owned tasks joined by bounded channels. Live calls and replays run this same
code; they differ only in the clock and the transport (`AudioSink` + `CallControl`).

Each piece of call state has one owner:
- the input stage owns the audio front end (VAD, endpointing, barge-in onsets);
- `Recognition` owns speculative decoding and early turn ends;
- the dialog stage owns the `Dialog` and classifies each turn once, off the loop;
- `Playout` owns what the bot is saying and what is queued;
- `CallRecorder` is the only writer of the `CallRecord`.

Every event carries the call-clock time at which it became true, with compute time (ASR,
TTS) charged onto it; in a live call that equals the wall clock, in a replay it is what the
wall clock would have read.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from voicebot.asr.base import Recognizer
from voicebot.audio.endpoint import EndpointConfig
from voicebot.audio.frontend import AudioFrontEnd
from voicebot.calls.record import CallRecord
from voicebot.clock import Clock
from voicebot.dialog.machine import Dialog
from voicebot.errors import EngineError
from voicebot.frames import (
    AudioFrame,
    Callback,
    CallerEvent,
    CallerHangup,
    CallStarted,
    Dtmf,
    Hangup,
    Interruption,
    Listen,
    Onset,
    Pause,
    Rating,
    Say,
    SpeechStarted,
    Timeout,
    Transcript,
    Transfer,
    TransferFailed,
    TurnResult,
    UserTurn,
)
from voicebot.pipeline.channel import Channel
from voicebot.pipeline.inbox import CallInbox
from voicebot.pipeline.playout import AudioSink, Playout
from voicebot.pipeline.recognition import Recognition
from voicebot.pipeline.recorder import CallRecorder
from voicebot.pipeline.tasks import TaskOwner, cancel_and_wait
from voicebot.pipeline.understand import Understanding
from voicebot.tts.base import Synthesizer

log = logging.getLogger(__name__)

__all__ = ["AudioSink", "CallControl", "CallSession", "SessionConfig"]


class CallControl(Protocol):
    async def transfer(self, target: str, context: dict[str, Any]) -> bool: ...

    async def hangup(self, reason: str) -> None: ...


@dataclass(frozen=True)
class SessionConfig:
    in_rate: int
    endpoint: EndpointConfig = dataclasses.field(default_factory=EndpointConfig)
    asr_prompt: str | None = None
    # the recogniser's prompt per kind of answer the dialog expects (Listen.expect); others use asr_prompt
    asr_prompts: dict[str, str] = dataclasses.field(default_factory=dict)
    keep_caller_audio: bool = False  # record mode: keep what the caller said, for a regression case
    # Early turn end: when a speculative transcript at a short pause is one the dialog would
    # answer at once, answer instead of waiting for the full end-of-turn silence.
    early_end: bool = True


class CallSession:
    def __init__(
        self,
        *,
        recorder: CallRecorder,
        dialog: Dialog,
        understanding: Understanding,
        recognizer: Recognizer,
        synthesizer: Synthesizer,
        clock: Clock,
        sink: AudioSink,
        control: CallControl,
        config: SessionConfig,
    ) -> None:
        self.recorder = recorder
        self.dialog = dialog
        self.understanding = understanding
        self.clock = clock
        self.sink = sink
        self.control = control
        self.config = config
        activity = clock.activity  # type: ignore[attr-defined]
        self.inbox = CallInbox(activity, 256, "inbox")
        self._turns: Channel[UserTurn | Pause] = Channel(activity, 8, "turns")
        self._events: Channel[CallerEvent] = Channel(activity, 64, "events")
        self._tasks = TaskOwner(activity, recorder.record.call_id, on_failure=self._stage_failed)
        self._frontend = AudioFrontEnd(config.in_rate, config.endpoint)
        self.playout = Playout(
            clock=clock, sink=sink, synth=synthesizer, recorder=recorder, events=self._events, tasks=self._tasks
        )
        self.recognition = Recognition(
            recognizer=recognizer, prompts=(config.asr_prompt, config.asr_prompts), clock=clock,
            turns=self._turns, events=self._events,
            recorder=recorder, understanding=understanding if config.early_end else None,
            context=dialog.intent_context, still_paused=self._frontend.endpointer.silent_since,
        )  # fmt: skip
        self._timer: asyncio.Task[None] | None = None
        self._timer_deadline: float | None = None
        self._done = asyncio.Event()
        self._caller_audio: list[np.ndarray] = []
        self._failing = False
        self.dtmf_log: list[tuple[float, str]] = []  # record mode only; personal data, never logged
        self.end_reason = ""

    @property
    def record(self) -> CallRecord:
        return self.recorder.record

    # ------------------------------------------------------------------ lifecycle
    async def run(self, called: str = "", caller: str = "") -> CallRecord:
        self.recorder.started(called, caller)
        for coro, name in (
            (self._input_stage(), "input"),
            (self.recognition.run(), "asr"),
            (self._dialog_stage(), "dialog"),
            (self.playout.run(), "speech"),
        ):
            self._tasks.spawn(coro, name)
        await self._events.put(CallStarted(self.clock.now(), self.record.call_id, called, caller))
        try:
            await self._done.wait()
        finally:
            await cancel_and_wait(self._timer)
            await self._tasks.close()
        return self.recorder.finish(self.end_reason, self.dialog.answered)

    def caller_audio(self) -> np.ndarray:
        """What the caller said, at `config.in_rate` (empty unless `keep_caller_audio`)."""
        return np.concatenate(self._caller_audio) if self._caller_audio else np.zeros(0, np.int16)

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def bot_idle(self, now: float) -> bool:
        """Nothing to say and nothing playing: the bot waits for the caller."""
        return self.playout.idle(now) and not self._frontend.endpointer.in_turn

    def _stage_failed(self, stage: str, exc: BaseException) -> None:
        """A broken stage must not leave the caller in silence: hand over to a human (reason technical)."""
        self.recorder.stage_failed(stage, exc)
        if self.finished or self._failing:
            return
        self._failing = True
        self._tasks.spawn(self._fail_over(), "fail-over")

    async def _fail_over(self) -> None:
        plan = self.dialog.plan
        target = plan.transfer.queues.get(plan.transfer.human_queue) or next(iter(plan.transfer.queues.values()))
        self.sink.flush(self.clock.now())
        context = {"reason": "technical", "kommune": plan.kommune}
        if await self.control.transfer(target, context):
            self.recorder.transfer_started(target, "technical", context)
        else:
            await self.control.hangup("technical")
        self._finish("error")

    def _finish(self, reason: str) -> None:
        self.end_reason = reason
        self._done.set()

    # ------------------------------------------------------------------ input
    async def _input_stage(self) -> None:
        while True:
            item = await self.inbox.get()
            if isinstance(item, AudioFrame):
                if self.config.keep_caller_audio:
                    self._caller_audio.append(item.pcm.copy())
                for ev in self._frontend.push(item):
                    await self._on_front_event(ev)
            elif isinstance(item, Dtmf):
                if self.config.keep_caller_audio:
                    self.dtmf_log.append((item.t, item.digit))
                self.playout.interrupt(Interruption(item.t))
                await self._events.put(item)
            else:  # CallerHangup
                for ev in self._frontend.flush(item.t):
                    await self._on_front_event(ev)
                await self._events.put(item)

    async def _on_front_event(self, ev: SpeechStarted | UserTurn | Pause | Onset) -> None:
        if isinstance(ev, Onset):  # caller speech begins: cut the bot now, before the turn debounce
            self.playout.interrupt(Interruption(ev.t))
        elif isinstance(ev, SpeechStarted):
            self.recognition.caller_resumed()
            self.playout.interrupt(Interruption(ev.t))
            await self._events.put(ev)
        else:  # UserTurn, or Pause for speculative decoding
            await self._turns.put(ev)

    # ------------------------------------------------------------------ dialog
    async def _dialog_stage(self) -> None:
        while True:
            ev = await self._events.get()
            if isinstance(ev, Transcript) and ev.intent is None and ev.text.strip():
                ev = await self._understand(ev)
            for action in self.dialog.on(ev, ev.t):
                await self._act(action, ev.t)
            if isinstance(ev, CallerHangup):
                self._finish(ev.reason)
                return
            self._rearm_timer()

    async def _understand(self, tr: Transcript) -> Transcript:
        """Classify the turn once, off the loop; on failure the dialog gets no intent (→ technical)."""
        try:
            result = await self.understanding.classify(tr.text, self.dialog.intent_context())
        except EngineError as exc:
            log.warning("call %s: %s", self.record.call_id, exc)
            return tr
        return dataclasses.replace(tr, intent=result)

    async def _act(self, action: Any, t: float) -> None:
        if isinstance(action, Say):
            await self.playout.say(action, t)
        elif isinstance(action, TurnResult):
            self.recorder.caller_turn(action)
        elif isinstance(action, Transfer | Hangup):
            # Stages never sleep on the clock (a sleeping consumer with queued input would stall
            # a virtual clock); the ending runs as its own task once the last words are played.
            self._tasks.spawn(self._end_after_speech(action), "end")
        elif isinstance(action, Rating):
            self.recorder.rating(action.score)
        elif isinstance(action, Callback):
            self.recorder.callback(action.number, action.reason)
        elif isinstance(action, Listen):
            self.recognition.listening_for(action.expect)

    async def _end_after_speech(self, action: Transfer | Hangup) -> None:
        await self.playout.drained()
        if isinstance(action, Transfer):
            self.recorder.transfer_started(action.target, action.reason, action.context)
            if await self.control.transfer(action.target, {**action.context, "reason": action.reason}):
                self.recorder.transfer_done(getattr(self.control, "via", None))
                self._finish("transfer")
                return
            # No agent could be reached: the caller is still on the line; the dialog goes on.
            self.recorder.transfer_failed()
            await self._events.put(TransferFailed(self.clock.now()))
        else:
            self.recorder.hung_up(action.reason)
            await self.control.hangup(action.reason)
            self._finish("bot_hangup")

    def _rearm_timer(self) -> None:
        deadline = self.dialog.next_deadline()
        if self._timer is not None and not self._timer.done():
            if self._timer_deadline == deadline:
                return
            self._timer.cancel()
        self._timer, self._timer_deadline = None, deadline
        if deadline is not None:
            self._timer = self._tasks.spawn(self._fire_at(deadline), "timer")

    async def _fire_at(self, deadline: float) -> None:
        await self.clock.sleep_until(deadline)
        await self._events.put(Timeout(deadline))
