"""The ASR stage: caller turns → transcripts, with speculative decoding and early turn ends.

On a short pause the audio so far is decoded speculatively. If the caller does not go on, the
endpoint reuses that result, so the transcript is ready when the turn ends. If the speculative
transcript is already one the dialog would answer at once (classified here, off the loop, and
handed on with the transcript so it is not classified again), the turn ends early.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from voicebot.asr.base import AsrResult, Recognizer
from voicebot.errors import EngineError
from voicebot.frames import ASR_RATE, CallerEvent, Pause, Transcript, UserTurn
from voicebot.intent.base import IntentResult
from voicebot.pipeline.channel import Channel
from voicebot.pipeline.playout import timed_blocking
from voicebot.pipeline.recorder import CallRecorder
from voicebot.pipeline.understand import Understanding

log = logging.getLogger(__name__)
MIN_AUDIO_S = 0.2


def _after(item: UserTurn | Pause, cut_s: float) -> UserTurn | Pause:
    """The part of a turn (or pause snapshot) after `cut_s`: what the caller said after an early answer."""
    audio = item.audio[max(0, round((cut_s - item.start_s) * ASR_RATE)) :]
    if isinstance(item, UserTurn):
        return UserTurn(audio, cut_s, item.end_s, item.t)
    return Pause(audio, cut_s, item.end_s, item.t)


class Recognition:
    def __init__(
        self,
        *,
        recognizer: Recognizer,
        prompts: tuple[str | None, dict[str, str]],
        clock: Any,
        turns: Channel[UserTurn | Pause],
        events: Channel[CallerEvent],
        recorder: CallRecorder,
        understanding: Understanding | None,
        context: Callable[[], dict[str, Any]],
        still_paused: Callable[[float], bool],
    ) -> None:
        self.recognizer = recognizer
        self._default_prompt, self._prompts = prompts
        self.prompt = self._default_prompt
        self.clock = clock
        self._turns = turns
        self._events = events
        self._recorder = recorder
        self._understanding = understanding  # None: no early turn ends
        self._context = context  # the dialog's current context, read-only
        self._still_paused = still_paused  # the front end's view: no speech since that pause
        self._cancel: threading.Event | None = None

    def listening_for(self, expect: str) -> None:
        """The dialog now expects this kind of answer: bias the recogniser towards it."""
        self.prompt = self._prompts.get(expect, self._default_prompt)

    def caller_resumed(self) -> None:
        """Speech went on during a speculation: it is moot, stop decoding it."""
        if self._cancel is not None:
            self._cancel.set()

    def _transcribe(self, audio: np.ndarray, cancel: threading.Event | None = None) -> AsrResult:
        return self.recognizer.transcribe(audio, prompt=self.prompt, cancel=cancel)

    async def run(self) -> None:
        spec: tuple[Pause, AsrResult, float] | None = None
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
                if len(item.audio) < MIN_AUDIO_S * ASR_RATE:
                    continue
                spec = await self._speculate(item)
                if spec is not None and await self._ends_early(spec):
                    answered = (item.start_s if answered is None else answered[0], item.end_s)
                continue
            turn, answered = item, None
            if len(turn.audio) < MIN_AUDIO_S * ASR_RATE:
                continue
            if spec is not None and spec[0].end_s == turn.end_s and spec[0].start_s == turn.start_s:
                pause, result, elapsed = spec
                t_ready = max(self.clock.now(), turn.t, pause.t + elapsed)
                self._recorder.count("speculative_hits")
            else:
                result, elapsed = await timed_blocking(self._transcribe, turn.audio)
                elapsed = self.clock.charge("asr", elapsed)  # fixed per recognition in a regression replay
                t_ready = max(self.clock.now(), turn.t + elapsed)
            spec = None
            await self._emit(result, turn.start_s, turn.end_s, t_ready)

    async def _speculate(self, pause: Pause) -> tuple[Pause, AsrResult, float] | None:
        self._cancel = threading.Event()
        try:
            result, elapsed = await timed_blocking(self._transcribe, pause.audio, self._cancel)
            elapsed = self.clock.charge("asr", elapsed)
        finally:
            self._cancel = None
        self._recorder.count("speculative_decodes")
        return None if result.cancelled else (pause, result, elapsed)

    async def _ends_early(self, spec: tuple[Pause, AsrResult, float]) -> bool:
        pause, result, elapsed = spec
        if self._understanding is None or not result.text.strip() or not self._still_paused(pause.end_s):
            return False
        try:
            intent = await self._understanding.classify(result.text, self._context())
        except EngineError as exc:  # not fatal here: the turn simply ends the normal way
            log.warning("early turn end skipped: %s", exc)
            return False
        if not self._understanding.answers_at_once(intent) or not self._still_paused(pause.end_s):
            return False
        self._recorder.count("early_turn_ends")
        await self._emit(result, pause.start_s, pause.end_s, max(self.clock.now(), pause.t + elapsed), intent)
        return True

    async def _emit(
        self, result: AsrResult, start_s: float, end_s: float, t_ready: float, intent: IntentResult | None = None
    ) -> None:
        tr = Transcript(result.text, result.confidence, start_s, end_s, t_ready, result.nbest, intent)
        await self._events.put(tr)
