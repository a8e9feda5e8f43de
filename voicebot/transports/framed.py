"""The bot-audio side of every real-time transport: one framed sink.

`FramedSink` is the pipeline's `AudioSink` for SIP and WebRTC. It cuts bot audio into 20 ms
frames and queues them; the transport's media clock pops one frame per tick (`next_frame`).
`flush(t)` is the barge-in cut: everything queued is dropped at once (`t` is noted).

A new transport implements two things only: a sink like this one for bot audio, and feeding
caller audio, DTMF and hang-up into the session's inbox (`CallInbox.submit`, thread-safe).
Storing, logging and record mode are not its business (`voicebot.gateway.run_call`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from voicebot.clock import Clock
from voicebot.frames import FRAME_MS

FRAME_S = FRAME_MS / 1000.0


def pcm16_bytes(pcm: np.ndarray) -> bytes:
    return pcm.astype("<i2").tobytes()


class FramedSink:
    def __init__(
        self, clock: Clock, sample_rate: int, encode: Callable[[np.ndarray], Any] | None = None
    ) -> None:
        self.clock = clock
        self.sample_rate = sample_rate
        self.frame = sample_rate * FRAME_MS // 1000
        self._encode = encode
        self.out: deque[Any] = deque()
        self.flushes: list[float] = []  # the cut's time on the call clock
        self.flushed_at: list[float] = []  # when each flush ran (monotonic), for the barge-in bench
        self.frames_sent = 0
        self.voiced_frames_sent = 0

    def attach(self, out: deque[Any]) -> None:
        """Queue into `out` from now on (e.g. the media port's deque), keeping what is queued."""
        out.extend(self.out)
        self.out = out

    def queued_s(self) -> float:
        return len(self.out) * FRAME_S

    def play(self, pcm: np.ndarray, t: float) -> tuple[float, float]:
        """Queue behind what is already queued; returns (start, end) on the call clock."""
        n = self.frame
        pcm = np.asarray(pcm, dtype=np.int16)
        pad = (-len(pcm)) % n
        if pad:
            pcm = np.concatenate([pcm, np.zeros(pad, np.int16)])
        start = self.clock.now() + self.queued_s()
        frames = (pcm[i : i + n] for i in range(0, len(pcm), n))
        self.out.extend(map(self._encode, frames) if self._encode else frames)
        return start, start + len(pcm) / self.sample_rate

    def flush(self, t: float) -> None:
        self.out.clear()
        self.flushes.append(t)
        self.flushed_at.append(time.monotonic())

    def next_frame(self) -> Any | None:
        """The next frame to send, or None when the bot is silent."""
        self.frames_sent += 1
        try:
            frame = self.out.popleft()
        except IndexError:
            return None
        self.voiced_frames_sent += 1
        return frame
