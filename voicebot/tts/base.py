"""The synthesiser contract and sentence streaming shared by every TTS engine."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import numpy as np


class Synthesizer(Protocol):
    """Text → PCM16 mono at `sample_rate`. Blocking; run it off the event loop."""

    name: str
    voice: str

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray: ...


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9\"'(])")


def split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(text.strip())]
    return [p for p in parts if p]


RunBlocking = Callable[..., Awaitable[Any]]


async def stream_sentences(
    synth: Synthesizer, text: str, sample_rate: int, run_blocking: RunBlocking
) -> AsyncIterator[np.ndarray]:
    """Yield audio sentence by sentence, so the first sentence plays while the rest renders."""
    for sentence in split_sentences(text):
        pcm = await run_blocking(synth.synthesize, sentence, sample_rate)
        if len(pcm):
            yield pcm
