"""Endpointing and VAD on synthetic frames; time is the frame timestamp (a virtual clock)."""

import numpy as np
import pytest

from voicebot.audio.endpoint import EndpointConfig, Endpointer, Pause
from voicebot.audio.frontend import AudioFrontEnd
from voicebot.audio.vad import Vad, rms_dbfs
from voicebot.frames import AudioFrame, SpeechStarted, UserTurn

FRAME = np.zeros(320, dtype=np.int16)


def run(pattern: str, cfg: EndpointConfig | None = None) -> list:
    """'s' = a voiced 20 ms frame, '.' = silence."""
    ep = Endpointer(cfg or EndpointConfig(), 20)
    events = []
    for i, ch in enumerate(pattern):
        events += ep.push(FRAME, ch == "s", i * 0.02)
    return events


def test_turn_start_and_end_times() -> None:
    events = run("." * 10 + "s" * 25 + "." * 40)
    kinds = [type(e) for e in events]
    assert kinds == [SpeechStarted, Pause, UserTurn]
    started, turn = events[0], events[2]
    assert started.t == pytest.approx(0.26)  # 3 voiced frames (start_ms=60) after onset at 0.20
    assert turn.end_s == pytest.approx(0.70)  # last voiced frame ends at 0.70
    assert turn.t == pytest.approx(0.70 + 0.60)  # after end_silence_ms
    assert turn.start_s <= 0.20  # preroll keeps the onset


def test_short_noise_is_not_a_turn() -> None:
    events = run("." * 5 + "sss" + "." * 50, EndpointConfig(min_speech_ms=200))
    assert [type(e) for e in events] == [SpeechStarted]


def test_speech_resuming_after_a_pause_extends_the_turn() -> None:
    events = run("s" * 20 + "." * 15 + "s" * 20 + "." * 35)
    turns = [e for e in events if isinstance(e, UserTurn)]
    pauses = [e for e in events if isinstance(e, Pause)]
    assert len(turns) == 1 and len(pauses) == 2
    assert turns[0].end_s == pytest.approx(1.10)
    # the first pause's audio is a prefix of the turn; the second pause matches the final turn
    assert pauses[1].end_s == turns[0].end_s


def test_end_silence_is_configurable() -> None:
    fast = [e for e in run("s" * 20 + "." * 40, EndpointConfig(end_silence_ms=300)) if isinstance(e, UserTurn)]
    assert fast[0].t == pytest.approx(0.40 + 0.30)


def test_max_turn_length_cuts_a_monologue() -> None:
    events = run("s" * 200, EndpointConfig(max_turn_s=2.0))
    assert any(isinstance(e, UserTurn) for e in events)


def test_flush_closes_open_turn() -> None:
    ep = Endpointer(EndpointConfig(), 20)
    for i in range(30):
        ep.push(FRAME, True, i * 0.02)
    turns = ep.flush(0.6)
    assert len(turns) == 1 and turns[0].end_s == pytest.approx(0.6)


def test_vad_rejects_silence_and_quiet_noise_and_accepts_a_voiced_signal() -> None:
    vad = Vad(16000, 2)
    t = np.arange(320) / 16000
    rng = np.random.default_rng(1)
    quiet = (rng.normal(0, 30, 320)).astype(np.int16)
    voiced = (6000 * np.sin(2 * np.pi * 150 * t) * (1 + 0.5 * np.sin(2 * np.pi * 450 * t))).astype(np.int16)
    assert rms_dbfs(quiet) < -50
    assert not vad.is_speech(np.zeros(320, np.int16))
    assert not vad.is_speech(quiet)
    assert vad.is_speech(voiced)
    with pytest.raises(ValueError):
        vad.is_speech(np.zeros(100, np.int16))


def test_frontend_resamples_8k_and_reframes_odd_sizes() -> None:
    fe = AudioFrontEnd(8000)
    t = np.arange(8000 * 2) / 8000
    tone = (8000 * np.sin(2 * np.pi * 200 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.int16)
    pcm = np.concatenate([np.zeros(4000, np.int16), tone, np.zeros(8000, np.int16)])
    events = []
    for i in range(0, len(pcm), 240):  # 30 ms chunks, not aligned with the 20 ms VAD frames
        events += fe.push(AudioFrame(pcm[i : i + 240], 8000, i / 8000))
    kinds = [type(e) for e in events]
    assert SpeechStarted in kinds and UserTurn in kinds
    turn = next(e for e in events if isinstance(e, UserTurn))
    assert 0.3 <= turn.start_s <= 0.6
    assert 2.3 <= turn.end_s <= 2.6
    assert len(turn.audio) == pytest.approx((turn.end_s - turn.start_s) * 16000, rel=0.05)
