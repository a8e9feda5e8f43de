"""The recogniser contract shared by every ASR engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class AsrResult:
    text: str
    confidence: float  # 0..1
    nbest: tuple[tuple[str, float], ...] = field(default_factory=tuple)


class Recognizer(Protocol):
    """Utterance-level recognition of 16 kHz PCM16 mono audio. Blocking; run it off the loop."""

    name: str

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None) -> AsrResult: ...
