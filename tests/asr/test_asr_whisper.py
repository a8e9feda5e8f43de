"""The tuned faster-whisper adapter with the embedded Whisper base model (real weights)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from speechkit import espeak_pcm

from voicebot.asr.factory import create_recognizer
from voicebot.asr.vocabulary import build_prompt
from voicebot.asr.wer import normalize
from voicebot.audio.resample import resample
from voicebot.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def whisper():
    return create_recognizer(Settings(), "whisper")


@pytest.fixture(scope="module")
def speech16k():
    return espeak_pcm("Jeg har mistet mit kørekort", 16000)


def test_transcribes_danish_keyword_with_prompt(whisper, speech16k):
    res = whisper.transcribe(speech16k, prompt=build_prompt("Aarhus", []))
    assert "kørekort" in normalize(res.text)
    assert 0.0 < res.confidence <= 1.0
    assert res.nbest and res.nbest[0][0] == res.text
    assert not res.cancelled


def test_telephone_audio_upsampled(whisper):
    pcm = resample(espeak_pcm("Jeg har mistet mit kørekort", 8000), 8000, 16000)
    res = whisper.transcribe(pcm, prompt=build_prompt(None, []))
    assert "kørekort" in normalize(res.text)


def test_too_short_or_silent_audio_gives_empty_text(whisper):
    assert whisper.transcribe(np.zeros(800, np.int16)).text == ""
    silent = whisper.transcribe(np.zeros(16000, np.int16))
    assert silent.confidence < 0.5


def test_cancelled_decode_returns_cancelled(whisper, speech16k):
    stop = threading.Event()
    stop.set()
    res = whisper.transcribe(speech16k, cancel=stop)
    assert res.cancelled and res.text == ""


def test_concurrent_decodes_are_serialised_and_consistent(whisper, speech16k):
    prompt = build_prompt(None, [])
    ref = whisper.transcribe(speech16k, prompt=prompt).text
    with ThreadPoolExecutor(3) as pool:
        texts = list(pool.map(lambda _: whisper.transcribe(speech16k, prompt=prompt).text, range(3)))
    assert texts == [ref] * 3


def test_long_audio_is_decoded_in_windows(whisper, speech16k):
    gap = np.zeros(16000 * 28, np.int16)
    res = whisper.transcribe(np.concatenate([speech16k, gap, speech16k]), prompt=build_prompt(None, []))
    assert normalize(res.text).count("kørekort") >= 1
