"""Audio both ways for a browser call.

`WebRtcSink` is the shared `FramedSink` (20 ms frames, flushed at once on barge-in);
`BotAudioTrack` is the aiortc track that pops one frame every 20 ms (silence when the
queue is empty). `flush` clears the queue at once: that is the barge-in cut.
`CallerAudio` turns the browser's decoded Opus frames (48 kHz, often stereo) into 16 kHz
mono PCM16 for the pipeline's front end.
"""

from __future__ import annotations

import asyncio
import fractions

import av
import numpy as np
from aiortc.mediastreams import MediaStreamTrack

from voicebot.clock import MonotonicClock
from voicebot.transports.framed import FramedSink

OUT_RATE = 48000
IN_RATE = 16000


class WebRtcSink(FramedSink):
    """Bot audio at 48 kHz (Opus's native rate), drained by `BotAudioTrack` in real time."""

    def __init__(self, clock: MonotonicClock, sample_rate: int = OUT_RATE) -> None:
        super().__init__(clock, sample_rate)

    def next_frame(self) -> np.ndarray:
        frame = super().next_frame()
        return np.zeros(self.frame, np.int16) if frame is None else frame


class BotAudioTrack(MediaStreamTrack):
    """An outgoing audio track paced at 20 ms on the call's clock, fed by a `WebRtcSink`."""

    kind = "audio"

    def __init__(self, sink: WebRtcSink) -> None:
        super().__init__()
        self.sink = sink
        self._pts = 0
        self._t0: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            from aiortc.mediastreams import MediaStreamError

            raise MediaStreamError
        clock, rate, n = self.sink.clock, self.sink.sample_rate, self.sink.frame
        if self._t0 is None:
            self._t0 = clock.now()
        else:
            self._pts += n
            wait = self._t0 + self._pts / rate - clock.now()
            if wait > 0:
                await asyncio.sleep(wait)
        pcm = self.sink.next_frame()
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, rate)
        return frame


class CallerAudio:
    """Decoded browser audio (any rate and layout) → 16 kHz mono PCM16."""

    def __init__(self, rate: int = IN_RATE) -> None:
        self.rate = rate
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)

    def convert(self, frame: av.AudioFrame) -> np.ndarray:
        parts = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        if not parts:
            return np.zeros(0, np.int16)
        return np.concatenate(parts).astype(np.int16, copy=False)
