"""The synthesiser contract and sentence streaming shared by every TTS engine.

`Synthesizer.synthesize(text, sample_rate)` is blocking: it returns the whole utterance as PCM16
mono. `stream_speech` wraps any synthesiser as an async iterator of PCM chunks, one sentence
(or clause) at a time, so the first audio leaves as soon as the first sentence is rendered;
closing the iterator (barge-in) stops any further synthesis.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Protocol

import numpy as np

from voicebot.tts.lexicon_da import NO_SPLIT_AFTER


class Synthesizer(Protocol):
    """Text → PCM16 mono at `sample_rate`. Blocking; run it off the event loop."""

    name: str
    voice: str

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray: ...


MAX_TEXT_CHARS = 20_000  # about 25 minutes of speech; longer text is an input error
FIRST_CHUNK_CHARS = 48  # a longer first sentence is cut at a clause so audio starts sooner
MAX_CHUNK_CHARS = 180  # any longer sentence is cut at clauses, then at spaces

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9\"'(«»“])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+|\s+(?=[–—-]\s)")
_LAST_WORD = re.compile(r"(\S+)\.$")


def _ends_with_abbreviation(piece: str) -> bool:
    m = _LAST_WORD.search(piece)
    return bool(m) and m.group(1).lower().lstrip("(\"'") in NO_SPLIT_AFTER


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        if parts and _ends_with_abbreviation(parts[-1]):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return [p.strip() for p in parts if p.strip()]


def _cut(sentence: str, limit: int) -> list[str]:
    """Cut a long sentence at clause boundaries, packing clauses up to `limit` characters."""
    if len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        if out and len(out[-1]) + 1 + len(clause) <= limit:
            out[-1] = f"{out[-1]} {clause}"
        else:
            out.append(clause)
    final: list[str] = []
    for piece in out:  # a clause still too long: wrap at spaces
        while len(piece) > limit * 2:
            cut = piece.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            final.append(piece[:cut].strip())
            piece = piece[cut:].strip()
        final.append(piece)
    return [p for p in final if p]


def split_sentences(text: str) -> list[str]:
    """Sentences, ready to synthesise one by one. "kl. 9.30" and "f.eks." never end a sentence;
    a long first sentence is cut at its first clause so the caller hears the bot sooner."""
    chunks: list[str] = []
    for i, sentence in enumerate(_sentences(text)):
        if i == 0 and len(sentence) > FIRST_CHUNK_CHARS:
            head, *rest = _cut(sentence, FIRST_CHUNK_CHARS)
            chunks.append(head)
            chunks.extend(_cut(" ".join(rest), MAX_CHUNK_CHARS) if rest else [])
        else:
            chunks.extend(_cut(sentence, MAX_CHUNK_CHARS))
    return chunks


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
