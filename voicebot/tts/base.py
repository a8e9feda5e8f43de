"""The synthesiser contract and sentence streaming shared by every TTS engine.

`Synthesizer.synthesize(text, sample_rate)` is blocking: it returns the whole utterance as PCM16
mono. `stream_speech` wraps any synthesiser as an async iterator of PCM chunks, one sentence
(or clause) at a time, so the first audio leaves as soon as the first sentence is rendered;
closing the iterator (barge-in) stops any further synthesis.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Protocol

import numpy as np

from voicebot.tts.chunking import FIRST_CHUNK_CHARS, MAX_CHUNK_CHARS, split_sentences


class Synthesizer(Protocol):
    """Text → PCM16 mono at `sample_rate`. Blocking; run it off the event loop."""

    name: str
    voice: str

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray: ...


__all__ = ["FIRST_CHUNK_CHARS", "MAX_CHUNK_CHARS", "Synthesizer", "frames", "split_sentences", "stream_speech"]

MAX_TEXT_CHARS = 20_000  # about 25 minutes of speech; longer text is an input error
RunBlocking = Callable[..., Awaitable[Any]]


async def _to_thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


async def stream_speech(
    synth: Synthesizer, text: str, sample_rate: int, run_blocking: RunBlocking | None = None
) -> AsyncIterator[np.ndarray]:
    """Async iterator of PCM chunks, one per sentence. Synthesis runs in a worker thread;
    `aclose()` (or cancelling the consumer) stops before the next sentence is rendered."""
    run = run_blocking or _to_thread
    for sentence in split_sentences(text):
        pcm = await run(synth.synthesize, sentence, sample_rate)
        if len(pcm):
            yield pcm


stream_sentences = stream_speech  # the older name


def frames(pcm: np.ndarray, sample_rate: int, frame_ms: int = 20) -> Iterator[np.ndarray]:
    """Cut PCM into transport frames (the last one zero-padded), so a flush drops at most one frame."""
    n = sample_rate * frame_ms // 1000
    for i in range(0, len(pcm), n):
        frame = pcm[i : i + n]
        if len(frame) < n:
            frame = np.concatenate([frame, np.zeros(n - len(frame), dtype=np.int16)])
        yield frame
