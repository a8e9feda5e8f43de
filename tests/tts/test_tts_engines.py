"""The real engines: espeak-ng Danish (embedded default) and Piper with a real voice."""

import re

import numpy as np
import pytest

from voicebot.config import Settings
from voicebot.errors import ConfigError, InputError, ModelError
from voicebot.tts.cache import AudioLRU
from voicebot.tts.espeak import EspeakSynthesizer
from voicebot.tts.factory import create_engine, create_synthesizer
from voicebot.tts.piper import resolve_voice


def rms(pcm: np.ndarray) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if len(pcm) else 0.0

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def espeak() -> EspeakSynthesizer:
    return EspeakSynthesizer("da")


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_espeak_renders_speech_at_the_call_rate(espeak: EspeakSynthesizer, rate: int) -> None:
    pcm = espeak.synthesize("Goddag, du har ringet til kommunen.", rate)
    assert pcm.dtype == np.int16
    assert 1.0 < len(pcm) / rate < 5.0
    assert rms(pcm) > 300


def test_espeak_never_reads_text_as_options(espeak: EspeakSynthesizer) -> None:
    assert len(espeak.synthesize("-v xx --help", 8000)) > 4000


def test_espeak_unknown_voice_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no voice"):
        EspeakSynthesizer("xx-nope").synthesize("hej", 8000)


def test_factory_synthesizer_normalises_danish_before_speaking() -> None:
    synth = create_synthesizer(Settings(), "espeak", cache=AudioLRU(), use_prompts=False)
    raw = EspeakSynthesizer("da")
    assert synth.spoken("891 kr.") == "otte hundrede og enoghalvfems kroner"
    said = synth.synthesize("891 kr.", 8000)
    expected = raw.synthesize("otte hundrede og enoghalvfems kroner", 8000)
    assert np.array_equal(said, expected)


@pytest.mark.parametrize(
    "text",
    ["", "😀🎉", "Hej\x00 med\x1b[31m dig\x07", "Tak 👍 for hjælpen!", "\u202eomvendt", "æøå ÆØÅ ü é"],
)
def test_bad_input_gives_a_sane_result(text: str) -> None:
    synth = create_synthesizer(Settings(), "espeak", cache=AudioLRU(), use_prompts=False)
    pcm = synth.synthesize(text, 8000)
    assert pcm.dtype == np.int16
    assert (len(pcm) > 0) == any(ch.isalpha() for ch in text)


def test_ten_thousand_characters_are_spoken_sentence_by_sentence() -> None:
    synth = create_synthesizer(Settings(), "espeak", cache=None)
    text = ("Borgerservice har åbent mandag-fredag 10-15 og et pas koster 891 kr. " * 150)[:10_000]
    from voicebot.tts.base import split_sentences

    chunks = split_sentences(text)
    assert len(chunks) > 100
    total = sum(len(synth.synthesize(c, 8000)) for c in chunks[:5])
    assert total > 8000 * 5


def test_over_long_text_is_refused_clearly() -> None:
    synth = create_synthesizer(Settings(), "espeak", cache=None)
    with pytest.raises(InputError):
        synth.synthesize("a " * 10_001, 8000)


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown TTS engine"):
        create_engine(Settings(), "festival")


# ------------------------------------------------------------------ Piper


def test_piper_voice_is_found_by_name_in_models(models_dir) -> None:  # type: ignore[no-untyped-def]
    model, config = resolve_voice(models_dir, "en_US-joe-medium")
    assert model.name == "en_US-joe-medium.onnx" and config.name == "en_US-joe-medium.onnx.json"


def test_missing_piper_voice_names_the_files_to_place(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match=re.escape("da_DK-talesyntese-medium.onnx")):
        resolve_voice(tmp_path, None)


def test_piper_voice_without_its_config_is_a_model_error(tmp_path, joe_voice_files) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "lonely.onnx").symlink_to(joe_voice_files[0])
    with pytest.raises(ModelError, match="config"):
        resolve_voice(tmp_path, "lonely")


def test_a_damaged_piper_model_is_a_model_error(tmp_path, joe_voice_files) -> None:  # type: ignore[no-untyped-def]
    from voicebot.tts.piper import PiperSynthesizer

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(ModelError, match="cannot load"):
        PiperSynthesizer(bad, joe_voice_files[1])


@pytest.mark.parametrize("rate", [8000, 16000])
def test_piper_renders_speech_at_the_call_rate(piper_synth, rate: int) -> None:  # type: ignore[no-untyped-def]
    pcm = piper_synth.synthesize("Hello, you have called the city council.", rate)
    assert pcm.dtype == np.int16
    assert 1.0 < len(pcm) / rate < 5.0
    assert rms(pcm) > 300
    assert piper_synth.native_rate == 22050


def test_piper_through_the_factory_uses_models_dir_and_the_cache(models_dir, piper_synth) -> None:  # type: ignore[no-untyped-def]
    lru = AudioLRU()
    synth = create_synthesizer(Settings(models_dir=models_dir), "piper", "en_US-joe-medium", cache=lru)
    assert (synth.name, synth.voice) == ("piper", "en_US-joe-medium")
    first = synth.synthesize("Ring 70 20 12 12.", 8000)
    again = synth.synthesize("Ring 70 20 12 12.", 8000)
    assert again is first and lru.hits == 1
    assert rms(first) > 300
