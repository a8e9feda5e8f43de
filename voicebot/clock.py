"""Clocks. Core code never reads the time itself; it is handed a clock or a `now`.

`MonotonicClock` is for live calls. `VirtualClock` is for replay: time only moves when the
replay driver advances it, and every advance first waits until the pipeline has settled
(no queued items, no busy stage), so a replay is deterministic and runs as fast as the
CPU allows. Compute time (ASR, TTS) is charged to the events it produces, not to the clock.

What is charged is the clock's `ComputeTiming`: `measured` charges the seconds the work took
(latency studies; results then depend on machine load), `fixed` charges a configured cost per
recognition and per synthesis, so identical inputs give identical records on any machine.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from dataclasses import dataclass
from typing import Literal, Protocol

TimingMode = Literal["fixed", "measured"]
ComputeKind = Literal["asr", "tts"]


@dataclass(frozen=True)
class ComputeTiming:
    """What a virtual clock charges for a piece of compute: measured seconds, or a fixed cost."""

    mode: TimingMode = "fixed"
    asr_s: float = 0.4  # per recognition (a speculative decode counts as one)
    tts_s: float = 0.05  # per synthesised sentence or loaded prompt

    def __post_init__(self) -> None:
        if self.mode not in ("fixed", "measured"):
            raise ValueError(f"timing must be 'fixed' or 'measured', not {self.mode!r}")
        if self.asr_s < 0 or self.tts_s < 0:
            raise ValueError("fixed compute times must not be negative")

    def charge(self, kind: ComputeKind, measured_s: float) -> float:
        if self.mode == "measured":
            return measured_s
        return self.asr_s if kind == "asr" else self.tts_s


MEASURED = ComputeTiming("measured")


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep_until(self, deadline: float) -> None: ...

    def charge(self, kind: ComputeKind, measured_s: float) -> float:
        """The compute time to charge for work of `kind` that took `measured_s` seconds."""
        ...


class Activity:
    """Counts pending work (queued items + busy tasks) so a virtual clock can wait for quiet."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    def add(self, n: int = 1) -> None:
        self._count += n
        if self._count > 0:
            self._idle.clear()
        else:
            if self._count < 0:  # pragma: no cover - a bookkeeping bug, loud on purpose
                raise RuntimeError("activity count went negative")
            self._idle.set()

    def done(self, n: int = 1) -> None:
        self.add(-n)

    async def wait_idle(self) -> None:
        # Yield a few times even when idle so tasks woken by the last change get to run.
        while True:
            for _ in range(3):
                await asyncio.sleep(0)
            if self._count == 0:
                return
            await self._idle.wait()


class MonotonicClock:
    def __init__(self) -> None:
        self._t0 = time.monotonic()
        self.activity = Activity()

    def now(self) -> float:
        return time.monotonic() - self._t0

    def charge(self, kind: ComputeKind, measured_s: float) -> float:
        return measured_s  # a live call: what the work took is what the caller waited

    async def sleep_until(self, deadline: float) -> None:
        delay = deadline - self.now()
        if delay > 0:
            await asyncio.sleep(delay)


class VirtualClock:
    """A clock that the replay driver advances; sleepers wake in deadline order."""

    def __init__(self, start: float = 0.0, timing: ComputeTiming = MEASURED) -> None:
        self._now = start
        self.timing = timing
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self.activity = Activity()

    def now(self) -> float:
        return self._now

    def charge(self, kind: ComputeKind, measured_s: float) -> float:
        return self.timing.charge(kind, measured_s)

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._now:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._seq), fut))
        # A sleeping task is not busy; the waker marks it busy again before it resumes.
        self.activity.done()
        try:
            await fut
        except asyncio.CancelledError:
            # Unless the waker already marked us busy again (set_result), take our unit back.
            if not fut.done() or fut.cancelled():
                fut.cancel()
                self.activity.add()
            raise

    async def settle(self) -> None:
        await self.activity.wait_idle()

    async def advance_to(self, t: float) -> None:
        """Move time forward to `t`, waking sleepers in order and settling after each."""
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= t:
            deadline, _, fut = heapq.heappop(self._sleepers)
            if fut.done():
                continue
            self._now = max(self._now, deadline)
            self.activity.add()
            fut.set_result(None)
            await self.settle()
        self._now = max(self._now, t)
        await self.settle()
