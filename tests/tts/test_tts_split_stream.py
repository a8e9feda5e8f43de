"""Sentence splitting for streaming, the async chunk iterator, and transport frames."""

import asyncio

import numpy as np
import pytest

from voicebot.tts.base import FIRST_CHUNK_CHARS, MAX_CHUNK_CHARS, frames, split_sentences, stream_speech
from voicebot.tts.chunking import safe_cut, sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hej. Hvordan går det?", ["Hej.", "Hvordan går det?"]),
        ("Vi har åbent kl. 9.30 i dag. Velkommen!", ["Vi har åbent kl. 9.30 i dag.", "Velkommen!"]),
        ("Tag f.eks. Borgerservice. Tak.", ["Tag f.eks. Borgerservice.", "Tak."]),
        ("Det koster 891 kr. Betal nu.", ["Det koster 891 kr.", "Betal nu."]),
        ("Ring tlf. 70 20 12 12.", ["Ring tlf. 70 20 12 12."]),
        ("Lukket 24. dec. Åbent igen 27. dec.", ["Lukket 24. dec. Åbent igen 27. dec."]),
        ("   ", []),
        ("", []),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "chunks"),
    [
        ("Hej. Hvordan går det?", ["Hej.", "Hvordan går det?"]),
        ("Goddag, du har ringet til Aarhus Kommune.", ["Goddag,", "du har ringet til Aarhus Kommune."]),
        ("Jeg stiller dig om til en medarbejder.", ["Jeg stiller dig om", "til en medarbejder."]),
        ("Et pas til en voksen koster 891 kr.", ["Et pas til en voksen koster", "891 kr."]),
        ("Vi holder lukket den 24/12 og 31/12.", ["Vi holder lukket", "den 24/12 og 31/12."]),
        ("Ring tlf. 70 20 12 12 i dag.", ["Ring tlf.", "70 20 12 12 i dag."]),  # never inside the number
        ("Vi har åbent kl. 9.30 i dag.", ["Vi har åbent kl. 9.30 i dag."]),
        # never before "10-15" (it would lose its opening-hours reading), but before the days
        (
            "Borgerservice har åbent mandag-fredag 10-15, torsdag dog til kl. 17.30.",
            ["Borgerservice har åbent", "mandag-fredag 10-15, torsdag dog til kl. 17.30."],
        ),
    ],
)
def test_first_chunk_is_a_short_phrase_cut_where_the_read_out_survives(text: str, chunks: list[str]) -> None:
    assert split_sentences(text) == chunks


@pytest.mark.parametrize(
    ("head", "rest", "safe"),
    [
        ("Vi har åbent mandag-fredag", "10-15.", False),
        ("Vi holder lukket den", "24/12.", False),
        ("Det koster kr.", "50.", False),
        ("Det koster", "891 kr.", True),
        ("Goddag,", "du har ringet.", True),
    ],
)
def test_safe_cut(head: str, rest: str, safe: bool) -> None:
    assert safe_cut(head, rest) is safe


def test_a_long_first_sentence_is_cut_at_a_clause_for_early_audio() -> None:
    text = "Goddag, du har ringet til Aarhus Kommune, Borgerservice, og du taler med en digital assistent."
    chunks = split_sentences(text)
    assert len(chunks[0]) <= FIRST_CHUNK_CHARS
    assert chunks[0].endswith(",")
    assert " ".join(chunks) == text


def test_ten_thousand_characters_without_punctuation_become_bounded_chunks() -> None:
    text = "ord " * 2500
    chunks = split_sentences(text)
    assert max(len(c) for c in chunks) <= 2 * MAX_CHUNK_CHARS
    assert sum(c.count("ord") for c in chunks) == 2500


class CountingSynth:
    name = "fake"
    voice = "v"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        self.calls.append(text)
        return np.full(sample_rate // 10, len(self.calls), dtype=np.int16)


async def test_stream_speech_yields_one_chunk_per_sentence() -> None:
    synth = CountingSynth()
    chunks = [c async for c in stream_speech(synth, "En. To. Tre.", 8000)]
    assert [int(c[0]) for c in chunks] == [1, 2, 3]
    assert synth.calls == ["En.", "To.", "Tre."]


async def test_closing_the_stream_stops_synthesis_of_the_rest() -> None:
    synth = CountingSynth()
    stream = stream_speech(synth, "En. To. Tre. Fire.", 8000)
    first = await stream.__anext__()
    await stream.aclose()  # barge-in
    assert int(first[0]) == 1
    assert synth.calls == ["En."]


async def test_cancelling_the_consumer_stops_synthesis() -> None:
    synth = CountingSynth()
    got: list[np.ndarray] = []
    gate = asyncio.Event()

    async def slow(fn, *args):  # type: ignore[no-untyped-def]
        await gate.wait()
        return fn(*args)

    async def consume() -> None:
        async for chunk in stream_speech(synth, "En. To. Tre.", 8000, run_blocking=slow):
            got.append(chunk)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert synth.calls == [] and got == []


def test_frames_are_20_ms_with_a_padded_tail() -> None:
    pcm = np.arange(8000 // 50 * 2 + 7, dtype=np.int16)
    out = list(frames(pcm, 8000))
    assert [len(f) for f in out] == [160, 160, 160]
    assert np.array_equal(np.concatenate(out)[: len(pcm)], pcm)
    assert not out[-1][7:].any()
