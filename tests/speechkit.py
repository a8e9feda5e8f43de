"""Danish test speech made with espeak-ng, for tests and benchmarks (import as `speechkit`).

A module of its own, not conftest.py: several conftest.py files exist, and `import conftest`
would pick whichever was loaded first.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from voicebot.audio.g711 import telephone_band
from voicebot.audio.resample import resample
from voicebot.transports.wav import write_wav


def espeak_pcm(text: str, rate: int = 8000, *, voice: str = "da", wpm: int = 150) -> np.ndarray:
    """Danish speech from espeak-ng at `rate`; 8 kHz output also goes through G.711 µ-law."""
    out = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text], capture_output=True, check=True
    ).stdout
    pcm = np.frombuffer(out[44:], dtype="<i2").astype(np.int16)
    pcm = resample(pcm, 22050, rate)
    return telephone_band(pcm) if rate == 8000 else pcm


def make_call_wav(
    path: Path, utterances: list[tuple[float, str]], *, rate: int = 8000, total_s: float | None = None
) -> Path:
    """A caller recording: each (start_s, text) is spoken at start_s over silence."""
    pieces = [(start, espeak_pcm(text, rate)) for start, text in utterances]
    end = max((s + len(p) / rate for s, p in pieces), default=0.0)
    n = round((total_s if total_s is not None else end + 1.0) * rate)
    pcm = np.zeros(n, dtype=np.int16)
    for start, p in pieces:
        i = round(start * rate)
        pcm[i : i + len(p)] = p[: max(0, n - i)]
    write_wav(path, pcm, rate)
    return path
