"""Playout: the one owner of what the bot is saying and what is queued to be said.

It runs the speech stage (synthesis sentence by sentence, or a recorded prompt, into the
sink) and keeps the speech generation, when the bot's audio ends, the Say being played and
how many are pending. An `Interruption` (barge-in) bumps the generation, drops queued Says and
flushes the sink at once. A reply to newer caller speech drops older replies still queued, so
the caller never hears an answer to a question they asked long ago.

The response gap is measured here: from the end of the caller speech a reply answers
(`Say.reply_to`) to the first audio of that reply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from voicebot.clock import Clock
from voicebot.frames import CallerEvent, Interruption, PlaybackDone, Say
from voicebot.pipeline.channel import Channel
from voicebot.pipeline.recorder import CallRecorder
from voicebot.pipeline.tasks import TaskOwner
from voicebot.tts.base import Synthesizer, split_sentences
from voicebot.tts.recorded import load_recorded_prompt

R = TypeVar("R")


class AudioSink(Protocol):
    """Where bot audio goes. `play` queues audio no earlier than `t` and returns its (start, end)."""

    sample_rate: int

    def play(self, pcm: np.ndarray, t: float) -> tuple[float, float]: ...

    def flush(self, t: float) -> None: ...


async def timed_blocking(fn: Callable[..., R], *args: Any) -> tuple[R, float]:
    """Run `fn` in a worker thread; return its result and its own compute time."""

    def work() -> tuple[R, float]:
        t0 = time.perf_counter()
        result = fn(*args)
        return result, time.perf_counter() - t0

    return await asyncio.get_running_loop().run_in_executor(None, work)


class Playout:
    def __init__(
        self,
        *,
        clock: Clock,
        sink: AudioSink,
        synth: Synthesizer,
        recorder: CallRecorder,
        events: Channel[CallerEvent],
        tasks: TaskOwner,
    ) -> None:
        self.clock = clock
        self.sink = sink
        self.synth = synth
        self.recorder = recorder
        self._events = events
        self._tasks = tasks
        self._says: Channel[tuple[Say, float]] = Channel(clock.activity, 16, "says")  # type: ignore[attr-defined]
        self._gen = 0  # speech generation; bumped by barge-in
        self.bot_until = 0.0  # when the queued bot audio ends
        self._current: Say | None = None  # the Say whose audio is queued or playing
        self._pending = 0  # queued or being synthesised
        self._gapped: set[float] = set()  # caller speech whose reply has started (gap measured)

    # ------------------------------------------------------------------ state, read-only
    def idle(self, now: float) -> bool:
        """Nothing to say and nothing playing."""
        return now >= self.bot_until and self._pending == 0

    async def drained(self) -> None:
        """Wait until every queued Say has been synthesised and its audio has played."""
        while self._pending > 0:
            await self.clock.sleep_until(self.clock.now() + 0.02)
        await self.clock.sleep_until(self.bot_until)

    # ------------------------------------------------------------------ input
    async def say(self, say: Say, t: float) -> None:
        if say.reply_to is not None:
            self._supersede(say.reply_to)
        self._pending += 1
        await self._says.put((say, t))

    def _supersede(self, reply_to: float) -> None:
        """Drop queued Says that reply to older caller speech (or to none): they would come late."""
        kept = []
        for item in self._says.drain():
            old = item[0]
            if old.barge_in and (old.reply_to is None or old.reply_to < reply_to):
                self._pending -= 1
            else:
                kept.append(item)
        for item in kept:
            self._says.put_nowait(item)

    def interrupt(self, event: Interruption) -> bool:
        """Barge-in: cut the bot now if it is speaking and the current Say allows it."""
        t, say = event.t, self._current
        if t >= self.bot_until or say is None or not say.barge_in:
            return False
        self._gen += 1
        self._pending -= len(self._says.drain())
        self.sink.flush(t)
        self.bot_until = t
        self._current = None
        self.recorder.bot_cut(t)
        self._events.put_nowait(PlaybackDone(t, say.say_id, interrupted=True))
        return True

    # ------------------------------------------------------------------ the speech stage
    async def run(self) -> None:
        while True:
            say, t = await self._says.get()
            try:
                await self._speak(say, t)
            finally:
                self._pending -= 1

    async def _speak(self, say: Say, t: float) -> None:
        gen = self._gen
        cursor = t
        first_start: float | None = None
        end = t
        for sentence in [say.prompt] if say.prompt else split_sentences(say.text):
            if say.prompt:
                pcm, elapsed = await timed_blocking(self._load_prompt, say.prompt)
            else:
                pcm, elapsed = await timed_blocking(self.synth.synthesize, sentence, self.sink.sample_rate)
            elapsed = self.clock.charge("tts", elapsed)  # fixed per synthesis in a regression replay
            if gen != self._gen:
                return  # barge-in while synthesising: drop the rest
            cursor = max(self.clock.now(), cursor + elapsed)
            start, end = self.sink.play(pcm, cursor)
            self.bot_until = max(self.bot_until, end)
            if first_start is None:
                first_start = start
                self._current = say
                self._measure_gap(say, start)
        if first_start is None:
            await self._events.put(PlaybackDone(t, say.say_id))
            return
        self.recorder.bot_turn(say.text, first_start, end)
        self._tasks.spawn(self._playback_done(say.say_id, end, gen), "played")

    def _measure_gap(self, say: Say, start: float) -> None:
        if say.reply_to is not None and say.reply_to not in self._gapped:
            self._gapped.add(say.reply_to)
            self.recorder.response_gap((start - say.reply_to) * 1000.0)

    def _load_prompt(self, path: str) -> np.ndarray:
        return load_recorded_prompt(Path(path), self.sink.sample_rate).pcm

    async def _playback_done(self, say_id: int, end: float, gen: int) -> None:
        await self.clock.sleep_until(end)
        if gen == self._gen:
            if self._current is not None and self._current.say_id == say_id:
                self._current = None
            await self._events.put(PlaybackDone(end, say_id))
