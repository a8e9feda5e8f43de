"""Sample-rate conversion (python-soxr) for PCM16 mono, plus a streaming variant."""

from __future__ import annotations

import numpy as np
import soxr


def resample(pcm: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    if from_rate == to_rate or len(pcm) == 0:
        return pcm.astype(np.int16, copy=False)
    out = soxr.resample(pcm.astype(np.int16, copy=False), from_rate, to_rate, quality="HQ")
    return np.asarray(out, dtype=np.int16)


class StreamResampler:
    """Frame-by-frame resampling that keeps filter state between frames (no clicks)."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._rs = None if from_rate == to_rate else soxr.ResampleStream(from_rate, to_rate, 1, dtype="int16")

    def push(self, pcm: np.ndarray, last: bool = False) -> np.ndarray:
        if self._rs is None:
            return pcm
        return np.asarray(self._rs.resample_chunk(pcm.astype(np.int16, copy=False), last=last), dtype=np.int16)
