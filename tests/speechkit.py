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


def espeak_pcm(
    text: str, rate: int = 8000, *, voice: str = "da", wpm: int = 150, pitch: int = 50, law: str = "ulaw"
) -> np.ndarray:
    """Danish speech from espeak-ng at `rate`; 8 kHz output also goes through G.711 (`law`: ulaw | alaw)."""
    out = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "--stdout", text], capture_output=True, check=True
    ).stdout
    pcm = np.frombuffer(out[44:], dtype="<i2").astype(np.int16)
    pcm = resample(pcm, 22050, rate)
    return telephone_band(pcm, law) if rate == 8000 else pcm


def packet_loss(pcm: np.ndarray, rate: int, loss: float, seed: int) -> np.ndarray:
    """Drop 20 ms packets at random (rate `loss`), as a jitter buffer without concealment plays them: silence."""
    out = pcm.copy()
    step = rate // 50
    rng = np.random.default_rng(seed)
    for i in range(0, len(out), step):
        if rng.random() < loss:
            out[i : i + step] = 0
    return out


def add_noise(pcm: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    """Background noise (pink-ish: white noise through a one-pole low-pass) at `snr_db` below the speech."""
    x = pcm.astype(np.float64)
    voiced = x[np.abs(x) > 100]
    power = float(np.mean(voiced**2)) if len(voiced) else 1.0
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(len(x))
    noise = np.empty_like(white)
    acc = 0.0
    for i, w in enumerate(white):  # short clips only (a few seconds): a plain loop is fine
        acc = 0.95 * acc + w
        noise[i] = acc
    noise *= np.sqrt(power / (10 ** (snr_db / 10)) / max(float(np.mean(noise**2)), 1e-12))
    return np.clip(x + noise, -32768, 32767).astype(np.int16)


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
