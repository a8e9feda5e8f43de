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
from voicebot.tts.normalize_da import normalize


class Synthesizer(Protocol):
    """Text → PCM16 mono at `sample_rate`. Blocking; run it off the event loop."""

    name: str
    voice: str

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray: ...


MAX_TEXT_CHARS = 20_000  # about 25 minutes of speech; longer text is an input error
# Chunk limits grow so each chunk renders while the one before it plays (Piper RTF is ~0.2-0.3):
FIRST_CHUNK_CHARS = 28  # under 2 s of speech: the first audio leaves quickly
SECOND_CHUNK_CHARS = 90
MAX_CHUNK_CHARS = 180  # any longer sentence is cut at clauses, then at spaces
_CONJUNCTIONS = ("og", "men", "eller", "hvis", "så", "fordi", "når", "mens", "hvor", "som", "der", "at")

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


def _spoken_len(text: str) -> int:
    """Length as spoken: "10-15" is "fra klokken ti til klokken femten"."""
    return len(normalize(text))


def _cut(sentence: str, limit: int) -> list[str]:
    """Cut a long sentence at clause boundaries, packing clauses up to `limit` spoken characters."""
    if _spoken_len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        if out and _spoken_len(f"{out[-1]} {clause}") <= limit:
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


def _first_phrase(sentence: str) -> tuple[str, str]:
    """Split off a short opening phrase: clauses packed up to the limit, else a cut before a
    conjunction, else the first clause however long; a sentence with no break stays whole."""
    clauses = _CLAUSE_END.split(sentence)
    head, n = clauses[0], 1
    while n < len(clauses) and _spoken_len(f"{head} {clauses[n]}") <= FIRST_CHUNK_CHARS:
        head, n = f"{head} {clauses[n]}", n + 1
    if n < len(clauses) and _spoken_len(head) <= FIRST_CHUNK_CHARS * 1.5:
        return head, " ".join(clauses[n:])
    words = sentence.split(" ")
    pos = 0
    for i, word in enumerate(words[:-2]):
        pos += _spoken_len(word) + 1
        if 10 <= pos <= FIRST_CHUNK_CHARS + 6 and words[i + 1].lower() in _CONJUNCTIONS:
            return " ".join(words[: i + 1]), " ".join(words[i + 1 :])
    if n < len(clauses):
        return head, " ".join(clauses[n:])
    head, *rest = _cut(sentence, SECOND_CHUNK_CHARS)  # one long clause: wrapped only past twice the limit
    return head, " ".join(rest)


def split_sentences(text: str) -> list[str]:
    """Chunks, ready to synthesise one by one: sentences, where "kl. 9.30" and "f.eks." never end
    one. The first chunk is a short opening phrase and the next ones grow, so the caller hears the
    bot quickly and each chunk is rendered while the previous one plays."""
    chunks: list[str] = []
    for sentence in _sentences(text):
        if not chunks and _spoken_len(sentence) > FIRST_CHUNK_CHARS:
            head, rest = _first_phrase(sentence)
            chunks.append(head)
            chunks.extend(_cut(rest, SECOND_CHUNK_CHARS) if rest else [])
        elif len(chunks) == 1:
            chunks.extend(_cut(sentence, SECOND_CHUNK_CHARS))
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
