"""WAV files as a transport: read a recorded call, and lay the bot's audio on a timeline.

`read_call_wav` validates the file and returns the caller channel (left, if stereo).
`TimelineSink` is the replay `AudioSink`: audio is written at its scheduled time, and a
barge-in flush erases everything after the cut, as the caller would have heard it.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicebot.errors import AudioFormatError

SUPPORTED_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)


@dataclass(frozen=True)
class CallAudio:
    pcm: np.ndarray  # int16 mono, the caller
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.pcm) / self.sample_rate


def read_call_wav(path: Path) -> CallAudio:
    if not path.exists():
        raise AudioFormatError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFormatError(f"{path}: is a folder, not a WAV file")
    size = path.stat().st_size
    if size == 0:
        raise AudioFormatError(f"{path}: empty file")
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate, nframes = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            data = w.readframes(nframes)
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{path}: not a PCM WAV file ({exc})") from exc
    if width != 2:
        raise AudioFormatError(f"{path}: {8 * width}-bit samples; only 16-bit PCM is supported")
    if rate not in SUPPORTED_RATES:
        raise AudioFormatError(f"{path}: sample rate {rate} Hz is not supported (use 8000 or 16000 Hz)")
    if channels not in (1, 2):
        raise AudioFormatError(f"{path}: {channels} channels; use mono, or stereo with the caller on the left")
    if len(data) < nframes * channels * width:
        got = len(data) // (channels * width)
        raise AudioFormatError(f"{path}: truncated: header promises {nframes} frames, file holds {got}")
    if nframes == 0:
        raise AudioFormatError(f"{path}: holds no audio")
    pcm = np.frombuffer(data, dtype="<i2").astype(np.int16)
    if channels == 2:
        pcm = pcm[0::2].copy()
    return CallAudio(pcm, rate)


def write_wav(path: Path, pcm: np.ndarray, sample_rate: int, right: np.ndarray | None = None) -> None:
    """Write mono, or stereo when `right` is given (left = caller, right = bot)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if right is not None:
        n = max(len(pcm), len(right))
        stereo = np.zeros((n, 2), dtype=np.int16)
        stereo[: len(pcm), 0] = pcm
        stereo[: len(right), 1] = right
        data, channels = stereo.tobytes(), 2
    else:
        data, channels = pcm.astype(np.int16).tobytes(), 1
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(data)


class TimelineSink:
    """Replay output: bot audio laid on the call timeline, at `sample_rate`."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._buf = np.zeros(sample_rate * 30, dtype=np.int16)
        self._cursor = 0.0  # where the queued audio ends
        self._max_end = 0.0

    def play(self, pcm: np.ndarray, t: float) -> tuple[float, float]:
        start = max(self._cursor, t)
        i = round(start * self.sample_rate)
        need = i + len(pcm)
        if need > len(self._buf):
            self._buf = np.concatenate([self._buf, np.zeros(max(need - len(self._buf), len(self._buf)), np.int16)])
        self._buf[i:need] = pcm
        end = start + len(pcm) / self.sample_rate
        self._cursor = end
        self._max_end = max(self._max_end, end)
        return start, end

    def flush(self, t: float) -> None:
        i = round(t * self.sample_rate)
        self._buf[i:] = 0
        self._cursor = min(self._cursor, t)
        self._max_end = min(self._max_end, max(t, 0.0))

    def audio(self, duration: float | None = None) -> np.ndarray:
        n = round((duration if duration is not None else self._max_end) * self.sample_rate)
        out = self._buf[:n]
        if len(out) < n:
            out = np.concatenate([out, np.zeros(n - len(out), np.int16)])
        return out


class ReplayControl:
    """Call control for a replay: transfers always 'succeed', and are noted."""

    def __init__(self) -> None:
        self.transfers: list[tuple[str, dict[str, Any]]] = []
        self.hung_up: str | None = None

    async def transfer(self, target: str, context: dict[str, Any]) -> bool:
        self.transfers.append((target, context))
        return True

    async def hangup(self, reason: str) -> None:
        self.hung_up = reason
