"""Voice activity detection on 10/20/30 ms frames (webrtcvad), with an energy floor.

webrtcvad alone fires on loud non-speech and on line noise; requiring a minimum RMS level
keeps comfort noise and codec hiss out of turns.
"""

from __future__ import annotations

import numpy as np
import webrtcvad


def rms_dbfs(pcm: np.ndarray) -> float:
    if len(pcm) == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(pcm.astype(np.float32) ** 2)))
    return 20.0 * np.log10(max(rms, 1e-3) / 32768.0)


class Vad:
    def __init__(self, sample_rate: int = 16000, aggressiveness: int = 2, min_dbfs: float = -50.0) -> None:
        if sample_rate not in (8000, 16000, 32000, 48000):
            raise ValueError(f"VAD needs 8/16/32/48 kHz, got {sample_rate}")
        self.sample_rate = sample_rate
        self.min_dbfs = min_dbfs
        self._vad = webrtcvad.Vad(aggressiveness)
        self.last_dbfs = -120.0  # level of the frame last classified

    def is_speech(self, pcm: np.ndarray) -> bool:
        n = len(pcm)
        if n * 1000 // self.sample_rate not in (10, 20, 30):
            raise ValueError(f"VAD frame must be 10/20/30 ms, got {n} samples at {self.sample_rate} Hz")
        self.last_dbfs = rms_dbfs(pcm)
        if self.last_dbfs < self.min_dbfs:
            return False
        return bool(self._vad.is_speech(pcm.astype(np.int16, copy=False).tobytes(), self.sample_rate))
