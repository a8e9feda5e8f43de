"""Caller audio front end: any-rate frames in → 16 kHz 20 ms frames → VAD → endpointer.

Pure and synchronous; the frame timestamps are the only notion of time.

Resampling here must not hold audio back: soxr's streaming resampler hands its output over in
~100 ms blocks, which delayed every VAD decision (and so barge-in) by up to 100 ms. Small
integer ratios (8 → 16 kHz, 48 → 16 kHz) use a windowed-sinc FIR kept in state between frames,
which delays the audio by ~4 ms; other rates fall back to soxr.
"""

from __future__ import annotations

from math import gcd

import numpy as np

from voicebot.audio.endpoint import BargeInConfig, EndpointConfig, Endpointer, Onset, OnsetDetector, Pause
from voicebot.audio.resample import StreamResampler
from voicebot.audio.vad import Vad
from voicebot.frames import ASR_RATE, FRAME_MS, AudioFrame, SpeechStarted, UserTurn

FRAME_SAMPLES = ASR_RATE * FRAME_MS // 1000

FrontEvent = SpeechStarted | UserTurn | Pause | Onset


class FirResampler:
    """Streaming rational resampler (up L, FIR, down M) with no block latency: every input chunk
    gives its share of output at once. Kaiser-windowed sinc, `zero_crossings` per side at the
    lower rate (~80 dB stopband); the group delay is `zero_crossings` samples at the lower rate."""

    def __init__(self, from_rate: int, to_rate: int, zero_crossings: int = 32, beta: float = 8.6) -> None:
        g = gcd(from_rate, to_rate)
        self.up, self.down = to_rate // g, from_rate // g
        half = zero_crossings * max(self.up, self.down)
        cutoff = 0.48 * min(from_rate, to_rate) / (from_rate * self.up)  # cycles per sample at the high rate
        n = np.arange(-half, half + 1)
        h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(2 * half + 1, beta)
        self._h = h * (self.up / h.sum())
        self._hist = np.zeros(2 * half)
        self._phase = 0  # offset of the next output sample in the next high-rate block

    def push(self, pcm: np.ndarray) -> np.ndarray:
        if len(pcm) == 0:
            return np.zeros(0, np.int16)
        up = np.zeros(len(pcm) * self.up)
        up[:: self.up] = pcm
        buf = np.concatenate([self._hist, up])
        self._hist = buf[len(buf) - len(self._hist) :]
        y = np.convolve(buf, self._h, mode="valid")[self._phase :: self.down]
        self._phase = (self._phase - len(up)) % self.down
        return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def stream_resampler(from_rate: int, to_rate: int) -> FirResampler | StreamResampler:
    g = gcd(from_rate, to_rate)
    if from_rate != to_rate and (to_rate // g) * (from_rate // g) <= 12:
        return FirResampler(from_rate, to_rate)
    return StreamResampler(from_rate, to_rate)


class AudioFrontEnd:
    def __init__(self, in_rate: int, cfg: EndpointConfig | None = None, vad_aggressiveness: int = 2,
                 barge_in: BargeInConfig | None = None) -> None:  # fmt: skip
        self.in_rate = in_rate
        self._rs = stream_resampler(in_rate, ASR_RATE)
        self._vad = Vad(ASR_RATE, vad_aggressiveness)
        self.endpointer = Endpointer(cfg, FRAME_MS)
        self._onset = OnsetDetector(barge_in)
        self._buf = np.zeros(0, dtype=np.int16)
        self._t: float | None = None  # time of the first sample in _buf

    def push(self, frame: AudioFrame) -> list[FrontEvent]:
        if frame.sample_rate != self.in_rate:
            raise ValueError(f"front end expects {self.in_rate} Hz, got {frame.sample_rate}")
        if self._t is None:
            self._t = frame.t
        pcm = self._rs.push(frame.pcm)
        self._buf = np.concatenate([self._buf, pcm]) if len(self._buf) else pcm
        out: list[FrontEvent] = []
        while len(self._buf) >= FRAME_SAMPLES:
            chunk, self._buf = self._buf[:FRAME_SAMPLES], self._buf[FRAME_SAMPLES:]
            speech = self._vad.is_speech(chunk)
            if not self.endpointer.in_turn:
                onset = self._onset.push(self._vad.last_dbfs, speech, self._t + FRAME_MS / 1000.0)
                if onset is not None:
                    out.append(onset)
            out.extend(self.endpointer.push(chunk, speech, self._t))
            self._t += FRAME_MS / 1000.0
        return out

    def flush(self, t: float) -> list[FrontEvent]:
        return list(self.endpointer.flush(t))
