"""Prompt cache: memory LRU, pre-rendered store, and the normalise → cache → engine layering."""

import numpy as np
import pytest

from voicebot.errors import InputError
from voicebot.tts.cache import AudioLRU, PromptStore
from voicebot.tts.layers import CachingSynthesizer, NormalizingSynthesizer


class FakeEngine:
    """Deterministic 'speech': a tone whose length follows the text; counts calls."""

    name = "fake"
    voice = "v1"
    native_rate = 16000

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        self.calls.append((text, sample_rate))
        n = sample_rate * len(text) // 100
        return (1000 * np.sin(np.arange(n) * 0.3)).astype(np.int16)


class ExplodingEngine(FakeEngine):
    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        raise AssertionError("the engine must not be asked: the prompt is pre-rendered")


def test_lru_evicts_least_recently_used_by_bytes() -> None:
    lru = AudioLRU(max_bytes=3000)
    a, b, c = (np.zeros(500, np.int16) for _ in range(3))  # 1000 bytes each
    lru.put(("e", "v", 8000, "a"), a)
    lru.put(("e", "v", 8000, "b"), b)
    assert lru.get(("e", "v", 8000, "a")) is not None  # a is now the most recent
    lru.put(("e", "v", 8000, "c"), c)
    lru.put(("e", "v", 8000, "d"), np.zeros(500, np.int16))
    assert lru.get(("e", "v", 8000, "b")) is None
    assert lru.get(("e", "v", 8000, "a")) is not None
    assert len(lru) == 3


def test_lru_entries_are_read_only_copies() -> None:
    lru = AudioLRU()
    src = np.ones(10, np.int16)
    stored = lru.put(("e", "v", 8000, "x"), src)
    src[:] = 5
    assert int(stored[0]) == 1
    with pytest.raises(ValueError):
        stored[0] = 2


def test_lru_skips_an_item_larger_than_the_bound() -> None:
    lru = AudioLRU(max_bytes=100)
    big = np.zeros(1000, np.int16)
    assert lru.put(("e", "v", 8000, "x"), big) is big
    assert len(lru) == 0


def test_cache_key_includes_rate_and_hits_skip_the_engine() -> None:
    engine = FakeEngine()
    synth = CachingSynthesizer(engine, AudioLRU())
    a = synth.synthesize("hej med dig", 8000)
    b = synth.synthesize("hej med dig", 8000)
    c = synth.synthesize("hej med dig", 16000)
    assert np.array_equal(a, b)
    assert len(c) == 2 * len(a)
    assert engine.calls == [("hej med dig", 8000), ("hej med dig", 16000)]


def test_the_cache_is_keyed_by_the_normalised_text() -> None:
    engine = FakeEngine()
    synth = NormalizingSynthesizer(CachingSynthesizer(engine, AudioLRU()))
    synth.synthesize("Det koster 891 kr.", 8000)
    synth.synthesize("Det koster 891 kroner", 8000)
    assert engine.calls == [("Det koster otte hundrede og enoghalvfems kroner", 8000)]


def test_engines_share_one_lru_without_collisions() -> None:
    lru = AudioLRU()
    e1, e2 = FakeEngine(), FakeEngine()
    e2.voice = "v2"
    CachingSynthesizer(e1, lru).synthesize("hej", 8000)
    CachingSynthesizer(e2, lru).synthesize("hej", 8000)
    assert len(e1.calls) == len(e2.calls) == 1


def test_store_round_trip_resamples_to_the_call_rate(tmp_path) -> None:
    store = PromptStore(tmp_path)
    pcm = FakeEngine().synthesize("en prompt til opkaldet", 16000)
    path = store.save("fake", "v1", "en prompt til opkaldet", pcm, 16000)
    assert path.is_file() and path.parent.name == "fake-v1"
    same = store.load("fake", "v1", "en prompt til opkaldet", 16000)
    assert same is not None and np.array_equal(same, pcm)
    narrow = store.load("fake", "v1", "en prompt til opkaldet", 8000)
    assert narrow is not None and abs(len(narrow) - len(pcm) // 2) <= 1
    assert store.load("fake", "v1", "en anden tekst", 8000) is None


def test_store_prefers_a_copy_built_at_the_call_rate(tmp_path) -> None:
    store = PromptStore(tmp_path)
    pcm = FakeEngine().synthesize("hej med dig", 16000)
    path = store.save("fake", "v1", "hej med dig", pcm, 16000, copies_at=(8000, 16000))
    copy = path.with_suffix(".8000.wav")
    assert copy.is_file() and not path.with_suffix(".16000.wav").exists()
    copy.write_bytes(copy.read_bytes()[:44] + b"\x07\x00" * 10)  # mark the copy: the loader must use it
    got = store.load("fake", "v1", "hej med dig", 8000)
    assert got is not None and got.tolist() == [7] * 10


def test_a_damaged_store_file_is_a_miss(tmp_path) -> None:
    store = PromptStore(tmp_path)
    path = store.path_for("fake", "v1", "x")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"RIFF garbage")
    assert store.load("fake", "v1", "x", 8000) is None


def test_pre_rendered_prompts_are_played_without_the_engine(tmp_path) -> None:
    store = PromptStore(tmp_path)
    spoken = "Tak for opkaldet."
    store.save("fake", "v1", spoken, FakeEngine().synthesize(spoken, 16000), 16000)
    synth = NormalizingSynthesizer(CachingSynthesizer(ExplodingEngine(), AudioLRU(), store))
    pcm = synth.synthesize("Tak for opkaldet.", 8000)
    assert len(pcm) == 8000 * len(spoken) // 100


def test_manifest_round_trip(tmp_path) -> None:
    store = PromptStore(tmp_path)
    assert store.read_manifest() == {}
    store.write_manifest({"abc": {"text": "hej"}})
    assert store.read_manifest() == {"abc": {"text": "hej"}}
    (tmp_path / "manifest.json").write_text("{not json")
    assert store.read_manifest() == {}


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "\x00\x07", "– – ,"])
def test_nothing_speakable_gives_empty_audio(text: str) -> None:
    engine = FakeEngine()
    pcm = NormalizingSynthesizer(engine).synthesize(text, 8000)
    assert pcm.dtype == np.int16 and len(pcm) == 0
    assert engine.calls == []


def test_too_long_text_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="characters"):
        NormalizingSynthesizer(FakeEngine()).synthesize("a" * 20_001, 8000)


async def test_ready_synthesizer_streams_phrase_by_phrase() -> None:
    engine = FakeEngine()
    synth = NormalizingSynthesizer(CachingSynthesizer(engine, AudioLRU()))
    chunks = [c async for c in synth.stream("Goddag, du har ringet til kommunen. Det koster 891 kr.", 8000)]
    assert [t for t, _ in engine.calls] == [
        "Goddag",
        "du har ringet til kommunen.",
        "Det koster otte hundrede og enoghalvfems kroner",
    ]
    assert len(chunks) == 3
