"""One call, wired: transport in → front end → ASR → dialog → TTS → transport out.

Stages are owned tasks joined by bounded channels. Live calls and replays run this same
code; they differ only in the clock and the transport (`AudioSink` + `CallControl`).

Every event carries the call-clock time at which it became true, with compute time (ASR,
TTS) charged onto it; in a live call that equals the wall clock, in a replay it is what the
wall clock would have read. Barge-in is a system-level interruption: it bumps the speech
generation, drops queued `Say`s and flushes the sink at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from voicebot.asr.base import Recognizer
from voicebot.audio.endpoint import EndpointConfig, Onset, Pause
from voicebot.audio.frontend import ASR_RATE, AudioFrontEnd
from voicebot.calls.record import CallbackRequest, CallRecord, Turn
from voicebot.clock import Clock
from voicebot.dialog.machine import Dialog
from voicebot.frames import (
    AudioFrame,
    Callback,
    CallerEvent,
    CallerHangup,
    CallStarted,
    Dtmf,
    Hangup,
    PlaybackDone,
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
from voicebot.pipeline.tasks import TaskOwner, cancel_and_wait
from voicebot.tts.base import Synthesizer, split_sentences
from voicebot.tts.recorded import load_recorded_prompt

log = logging.getLogger(__name__)
R = TypeVar("R")

InboxItem = AudioFrame | Dtmf | CallerHangup


class AudioSink(Protocol):
    """Where bot audio goes. `play` queues audio no earlier than `t` and returns its (start, end)."""

    sample_rate: int

    def play(self, pcm: np.ndarray, t: float) -> tuple[float, float]: ...

    def flush(self, t: float) -> None: ...


class CallControl(Protocol):
    async def transfer(self, target: str, context: dict[str, Any]) -> bool: ...

    async def hangup(self, reason: str) -> None: ...


async def timed_blocking(fn: Callable[..., R], *args: Any) -> tuple[R, float]:
    """Run `fn` in a worker thread; return its result and its own compute time."""

    def work() -> tuple[R, float]:
        t0 = time.perf_counter()
        result = fn(*args)
        return result, time.perf_counter() - t0

    return await asyncio.get_running_loop().run_in_executor(None, work)


@dataclass(frozen=True)
class SessionConfig:
    in_rate: int
    endpoint: EndpointConfig = EndpointConfig()
    asr_prompt: str | None = None
    keep_caller_audio: bool = False  # record mode: keep what the caller said, for a regression case
    # Early turn end: when a speculative transcript at a short pause satisfies this check (e.g. the
    # intent engine is confident), answer at once instead of waiting for the full end-of-turn silence.
    early_end: Callable[[str], bool] | None = None


def _after(item: UserTurn | Pause, cut_s: float) -> UserTurn | Pause:
    """The part of a turn (or pause snapshot) after `cut_s`: what the caller said after an early answer."""
    audio = item.audio[max(0, int(round((cut_s - item.start_s) * ASR_RATE))) :]
    if isinstance(item, UserTurn):
        return UserTurn(audio, cut_s, item.end_s, item.t)
    return Pause(audio, cut_s, item.end_s, item.t)


class CallSession:
    def __init__(
        self,
        *,
        record: CallRecord,
        dialog: Dialog,
        recognizer: Recognizer,
        synthesizer: Synthesizer,
        clock: Clock,
        sink: AudioSink,
        control: CallControl,
        config: SessionConfig,
    ) -> None:
        self.record = record
        self.dialog = dialog
        self.recognizer = recognizer
        self.synth = synthesizer
        self.clock = clock
        self.sink = sink
        self.control = control
        self.config = config
        activity = clock.activity  # type: ignore[attr-defined]
        self.inbox: Channel[InboxItem] = Channel(activity, 256, "inbox")
        self._turns: Channel[UserTurn | Pause] = Channel(activity, 8, "turns")
        self._events: Channel[CallerEvent] = Channel(activity, 64, "events")
        self._says: Channel[tuple[Say, float]] = Channel(activity, 16, "says")
        self._tasks = TaskOwner(activity, record.call_id, on_failure=self._stage_failed)
        self._frontend = AudioFrontEnd(config.in_rate, config.endpoint)
        self._timer: asyncio.Task[None] | None = None
        self._done = asyncio.Event()
        self._gen = 0  # speech generation; bumped by barge-in
        self._bot_until = 0.0
        self._current_say: tuple[Say, float] | None = None  # (say, start) while its audio is queued
        self._gap_from: float | None = None
        self._pending_says = 0  # queued or being synthesised
        self._caller_audio: list[np.ndarray] = []
        self._spec_cancel: threading.Event | None = None  # set when speech resumes during a speculation
        self._failing = False
        self.dtmf_log: list[tuple[float, str]] = []
        self.end_reason = ""

    # ------------------------------------------------------------------ lifecycle
    async def run(self, called: str = "", caller: str = "") -> CallRecord:
        self.record.called, self.record.caller = called, caller
        for coro, name in (
            (self._input_stage(), "input"),
            (self._asr_stage(), "asr"),
            (self._dialog_stage(), "dialog"),
            (self._speech_stage(), "speech"),
        ):
            self._tasks.spawn(coro, name)
        await self._events.put(CallStarted(self.clock.now(), self.record.call_id, called, caller))
        try:
            await self._done.wait()
        finally:
            await cancel_and_wait(self._timer)
            await self._tasks.close()
        if self._tasks.failures and self.record.outcome != "transferred":
            self.record.outcome = "error"
        return self.record

    def caller_audio(self) -> np.ndarray:
        """What the caller said, at `config.in_rate` (empty unless `keep_caller_audio`)."""
        return np.concatenate(self._caller_audio) if self._caller_audio else np.zeros(0, np.int16)

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def bot_idle(self, now: float) -> bool:
        """Nothing to say and nothing playing: the bot waits for the caller."""
        return now >= self._bot_until and self._pending_says == 0 and not self._frontend.endpointer.in_turn

    def _stage_failed(self, stage: str, exc: BaseException) -> None:
        """A broken stage must not leave the caller in silence: hand over to a human (reason technical)."""
        if self.finished or self._failing:
            return
        self._failing = True
        self.record.error = f"{stage}: {type(exc).__name__}"
        self._tasks.spawn(self._fail_over(), "fail-over")

    async def _fail_over(self) -> None:
        plan = self.dialog.plan
        target = plan.transfer.queues.get(plan.transfer.human_queue) or next(iter(plan.transfer.queues.values()))
        self.sink.flush(self.clock.now())
        transferred = await self.control.transfer(target, {"reason": "technical", "kommune": plan.kommune})
        if transferred:
            self.record.transfer = {"target": target, "reason": "technical"}
        else:
            await self.control.hangup("technical")
        self._finish("error")

    def _finish(self, reason: str) -> None:
        self.end_reason = reason
        self.record.end_reason = reason
        self._done.set()

    # ------------------------------------------------------------------ stages
    async def _input_stage(self) -> None:
        while True:
            item = await self.inbox.get()
            if isinstance(item, AudioFrame):
                if self.config.keep_caller_audio:
                    self._caller_audio.append(item.pcm.copy())
                for ev in self._frontend.push(item):
                    await self._on_front_event(ev)
            elif isinstance(item, Dtmf):
                self.dtmf_log.append((item.t, item.digit))
                self._barge_in(item.t)
                await self._events.put(item)
            else:  # CallerHangup
                for ev in self._frontend.flush(item.t):
                    await self._on_front_event(ev)
                await self._events.put(item)

    async def _on_front_event(self, ev: SpeechStarted | UserTurn | Pause | Onset) -> None:
        if isinstance(ev, Onset):  # caller speech begins: cut the bot now, before the turn debounce
            self._barge_in(ev.t)
        elif isinstance(ev, SpeechStarted):
            if self._spec_cancel is not None:  # the caller went on: the speculation is moot
                self._spec_cancel.set()
            self._barge_in(ev.t)
            await self._events.put(ev)
        else:  # UserTurn, or Pause for speculative decoding
            await self._turns.put(ev)

    async def _asr_stage(self) -> None:
        """Transcribe turns. On a short pause, decode speculatively; if the caller did not go
        on, the endpoint reuses that result, so the transcript is ready when the turn ends."""
        spec: tuple[Pause, Any, float] | None = None
        answered: tuple[float, float] | None = None  # (turn start, answered up to) after an early end
        while True:
            item = await self._turns.get()
            if answered is not None and item.start_s == answered[0]:
                if item.end_s <= answered[1]:
                    if isinstance(item, UserTurn):  # the turn ended as it was answered: done
                        answered = spec = None
                    continue
                item = _after(item, answered[1])  # the caller went on: only the rest is new
            if isinstance(item, Pause):
                if len(item.audio) < 0.2 * ASR_RATE:
                    continue
                self._spec_cancel = threading.Event()
                result, elapsed = await timed_blocking(self._transcribe, item.audio, self._spec_cancel)
                self._spec_cancel = None
                self._count("speculative_decodes")
                if result.cancelled:
                    spec = None
                    continue
                spec = (item, result, elapsed)
                if self._ends_early(item, result.text):
                    answered = (item.start_s if answered is None else answered[0], item.end_s)
                    self._count("early_turn_ends")
                    t_ready = max(self.clock.now(), item.t + elapsed)
                    await self._emit_transcript(result, item.start_s, item.end_s, t_ready)
                continue
            turn, answered = item, None
            if len(turn.audio) < 0.2 * ASR_RATE:
                continue
            if spec is not None and spec[0].end_s == turn.end_s and spec[0].start_s == turn.start_s:
                pause, result, elapsed = spec
                t_ready = max(self.clock.now(), turn.t, pause.t + elapsed)
                self._count("speculative_hits")
            else:
                result, elapsed = await timed_blocking(self._transcribe, turn.audio)
                t_ready = max(self.clock.now(), turn.t + elapsed)
            spec = None
            await self._emit_transcript(result, turn.start_s, turn.end_s, t_ready)

    def _ends_early(self, pause: Pause, text: str) -> bool:
        check = self.config.early_end
        return bool(check and text.strip() and self._frontend.endpointer.silent_since(pause.end_s) and check(text))

    async def _emit_transcript(self, result: Any, start_s: float, end_s: float, t_ready: float) -> None:
        self._gap_from = end_s
        await self._events.put(Transcript(result.text, result.confidence, start_s, end_s, t_ready, result.nbest))

    def _count(self, key: str) -> None:
        counters = self.record.counters
        setattr(counters, key, getattr(counters, key) + 1)

    def _transcribe(self, audio: np.ndarray, cancel: threading.Event | None = None) -> Any:
        return self.recognizer.transcribe(audio, prompt=self.config.asr_prompt, cancel=cancel)

    async def _dialog_stage(self) -> None:
        while True:
            ev = await self._events.get()
            for action in self.dialog.on(ev, ev.t):
                await self._act(action, ev.t)
            if isinstance(ev, CallerHangup):
                self._outcome_on_caller_hangup()
                self._finish("caller_hangup")
                return
            self._rearm_timer()

    async def _act(self, action: Any, t: float) -> None:
        if isinstance(action, Say):
            self._pending_says += 1
            await self._says.put((action, t))
        elif isinstance(action, TurnResult):
            if action.text:
                self.record.add_caller_turn(
                    Turn("caller", action.text, action.start_s, action.end_s, action.intent, action.confidence,
                         action.acted)
                )  # fmt: skip
        elif isinstance(action, Transfer | Hangup):
            # Stages never sleep on the clock (a sleeping consumer with queued input would stall
            # a virtual clock); the ending runs as its own task once the last words are played.
            self._tasks.spawn(self._end_after_speech(action), "end")
        elif isinstance(action, Rating):
            self.record.rating = action.score
        elif isinstance(action, Callback):
            self.record.callback = CallbackRequest(action.number, action.reason)

    def _outcome_on_caller_hangup(self) -> None:
        if self.record.outcome not in ("transferred", "error"):
            self.record.outcome = "contained" if self._helped() else "abandoned"

    def _helped(self) -> bool:
        """The caller got at least one answer from the knowledge base."""
        answered = list(getattr(self.dialog, "answered", []))
        if answered:
            self.record.answered = answered
        return bool(answered)

    async def _end_after_speech(self, action: Transfer | Hangup) -> None:
        while self._pending_says > 0:
            await self.clock.sleep_until(self.clock.now() + 0.02)
        await self.clock.sleep_until(self._bot_until)
        if isinstance(action, Transfer):
            transfer: dict[str, Any] = {"target": action.target, "reason": action.reason}
            self.record.outcome, self.record.transfer = "transferred", transfer
            self.record.handover = action.context
            if await self.control.transfer(action.target, {**action.context, "reason": action.reason}):
                self._finish("transfer")
                return
            # No agent could be reached: the caller is still on the line; the dialog goes on.
            self.record.outcome = "abandoned"
            transfer["failed"] = True
            self._count("transfer_failures")
            await self._events.put(TransferFailed(self.clock.now()))
        elif isinstance(action, Hangup):
            self.record.outcome = "contained" if self._helped() or action.reason == "completed" else "abandoned"
            await self.control.hangup(action.reason)
            self._finish("bot_hangup")

    def _rearm_timer(self) -> None:
        deadline = self.dialog.next_deadline()
        if self._timer is not None and not self._timer.done():
            if getattr(self._timer, "deadline", None) == deadline:
                return
            self._timer.cancel()
        self._timer = None
        if deadline is not None:
            self._timer = self._tasks.spawn(self._fire_at(deadline), "timer")
            self._timer.deadline = deadline  # type: ignore[attr-defined]

    async def _fire_at(self, deadline: float) -> None:
        await self.clock.sleep_until(deadline)
        await self._events.put(Timeout(deadline))

    async def _speech_stage(self) -> None:
        while True:
            say, t = await self._says.get()
            try:
                await self._speak(say, t)
            finally:
                self._pending_says -= 1

    async def _speak(self, say: Say, t: float) -> None:
        gen = self._gen
        cursor = t
        first_start: float | None = None
        end = t
        for sentence in ([say.prompt] if say.prompt else split_sentences(say.text)):
            if say.prompt:
                pcm, elapsed = await timed_blocking(self._load_prompt, say.prompt)
            else:
                pcm, elapsed = await timed_blocking(self.synth.synthesize, sentence, self.sink.sample_rate)
            if gen != self._gen:
                return  # barge-in while synthesising: drop the rest
            cursor = max(self.clock.now(), cursor + elapsed)
            start, end = self.sink.play(pcm, cursor)
            self._bot_until = max(self._bot_until, end)
            if first_start is None:
                first_start = start
                self._current_say = (say, start)
                if self._gap_from is not None:
                    self.record.response_gaps_ms.append((start - self._gap_from) * 1000.0)
                    self._gap_from = None
        if first_start is None:
            await self._events.put(PlaybackDone(t, say.say_id))
            return
        self.record.turns.append(Turn("bot", say.text, first_start, end))
        self._tasks.spawn(self._playback_done(say.say_id, end, gen), "played")

    def _load_prompt(self, path: str) -> np.ndarray:
        return load_recorded_prompt(Path(path), self.sink.sample_rate).pcm

    async def _playback_done(self, say_id: int, end: float, gen: int) -> None:
        await self.clock.sleep_until(end)
        if gen == self._gen:
            if self._current_say and self._current_say[0].say_id == say_id:
                self._current_say = None
            await self._events.put(PlaybackDone(end, say_id))

    def _barge_in(self, t: float) -> None:
        if t >= self._bot_until or self._current_say is None:
            return
        say, _start = self._current_say
        if not say.barge_in:
            return
        self._gen += 1
        self._pending_says -= len(self._says.drain())
        self.sink.flush(t)
        self._bot_until = t
        for turn in reversed(self.record.turns):
            if turn.speaker == "bot":
                turn.end_s = max(turn.start_s, min(turn.end_s, t))
                break
        self._current_say = None
        self._count("barge_ins")
        self._events.put_nowait(PlaybackDone(t, say.say_id, interrupted=True))
