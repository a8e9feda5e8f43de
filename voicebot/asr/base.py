"""The recogniser contracts shared by every ASR engine.

- `Recognizer`: utterance-level, `transcribe(audio16k_int16, prompt=..., cancel=...)`. Every
  engine offers it (streaming engines run a stream over the whole utterance).
- `StreamingRecognizer`: one live stream per call turn, `accept(pcm) -> partial text`, then
  `final() -> AsrResult`. Engines that stream (Vosk, sherpa-onnx online) hand one out from
  `open_stream()`; see `StreamingEngine`.

Speculative decoding: `transcribe` is safe to call from several threads (engines serialise on
a per-model lock), and takes an optional `threading.Event`; once set, a decode that has not
finished returns `CANCELLED` (`result.cancelled` is True) at the next cheap check point.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from voicebot.frames import ASR_RATE

__all__ = ["ASR_RATE", "CANCELLED", "AsrResult", "Recognizer", "as_int16"]


@dataclass(frozen=True, slots=True)
class AsrResult:
    text: str
    confidence: float  # 0..1
    nbest: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    cancelled: bool = False


CANCELLED = AsrResult("", 0.0, (), True)


class Recognizer(Protocol):
    """Utterance-level recognition of 16 kHz PCM16 mono audio. Blocking; run it off the loop."""

    name: str

    def transcribe(
        self, audio: np.ndarray, *, prompt: str | None = None, cancel: threading.Event | None = None
    ) -> AsrResult: ...


class StreamingRecognizer(Protocol):
    """One utterance stream. Not thread-safe: feed it from one thread (or one task) at a time."""

    def accept(self, pcm: np.ndarray) -> str:
        """Feed 16 kHz PCM16 mono; return the current partial transcript."""
        ...

    def final(self) -> AsrResult:
        """Close the utterance and return its result; the stream is then reset for the next one."""
        ...


@runtime_checkable
class StreamingEngine(Protocol):
    name: str

    def open_stream(self, *, phrases: list[str] | None = None) -> StreamingRecognizer: ...


def as_int16(audio: np.ndarray) -> np.ndarray:
    """PCM16 mono as contiguous little-endian int16 (floats in -1..1 are scaled)."""
    if audio.dtype.kind == "f":
        audio = np.clip(audio * 32768.0, -32768, 32767)
    return np.ascontiguousarray(audio, dtype="<i2")
