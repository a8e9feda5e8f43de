"""Caller audio front end: any-rate frames in → 16 kHz 20 ms frames → VAD → endpointer.

Pure and synchronous; the frame timestamps are the only notion of time.
"""

from __future__ import annotations

import numpy as np

from voicebot.audio.endpoint import EndpointConfig, Endpointer, Pause
from voicebot.audio.resample import StreamResampler
from voicebot.audio.vad import Vad
from voicebot.frames import AudioFrame, SpeechStarted, UserTurn

ASR_RATE = 16000
FRAME_MS = 20
FRAME_SAMPLES = ASR_RATE * FRAME_MS // 1000

FrontEvent = SpeechStarted | UserTurn | Pause


class AudioFrontEnd:
    def __init__(self, in_rate: int, cfg: EndpointConfig | None = None, vad_aggressiveness: int = 2) -> None:
        self.in_rate = in_rate
        self._rs = StreamResampler(in_rate, ASR_RATE)
        self._vad = Vad(ASR_RATE, vad_aggressiveness)
        self.endpointer = Endpointer(cfg, FRAME_MS)
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
            out.extend(self.endpointer.push(chunk, self._vad.is_speech(chunk), self._t))
            self._t += FRAME_MS / 1000.0
        return out

    def flush(self, t: float) -> list[FrontEvent]:
        return list(self.endpointer.flush(t))
