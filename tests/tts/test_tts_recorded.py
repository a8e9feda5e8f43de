"""Recorded prompts: every WAV a kommune might send, validated and converted to the call rate."""

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from voicebot.audio.g711 import alaw_encode, ulaw_encode
from voicebot.errors import AudioFormatError
from voicebot.tts.recorded import load_recorded_prompt


def dominant_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.argmax(spectrum) * rate / len(pcm))


def tone(rate: int, seconds: float = 1.0, hz: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return amp * np.sin(2 * np.pi * hz * t)


def riff(path: Path, tag: int, channels: int, rate: int, bits: int, body: bytes) -> Path:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    data = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(body)) + body
    path.write_bytes(b"RIFF" + struct.pack("<I", len(data)) + data)
    return path


def pcm16_wav(path: Path, x: np.ndarray, rate: int, channels: int = 1) -> Path:
    ints = (x * 32767).astype("<i2")
    if channels == 2:
        ints = np.repeat(ints, 2)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(ints.tobytes())
    return path


@pytest.mark.parametrize("target", [8000, 16000])
def test_pcm16_mono_is_converted_and_keeps_its_pitch(tmp_path: Path, target: int) -> None:
    prompt = load_recorded_prompt(pcm16_wav(tmp_path / "a.wav", tone(44100), 44100), target)
    assert prompt.sample_rate == target and prompt.source_rate == 44100
    assert abs(prompt.duration - 1.0) < 0.01
    assert abs(dominant_hz(prompt.pcm, target) - 440) < 5
    assert prompt.warnings == ()


def test_stereo_is_mixed_down(tmp_path: Path) -> None:
    prompt = load_recorded_prompt(pcm16_wav(tmp_path / "s.wav", tone(48000), 48000, channels=2), 16000)
    assert abs(prompt.duration - 1.0) < 0.01
    assert np.abs(prompt.pcm).max() > 10000


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_g711_wav_is_accepted(tmp_path: Path, law: str) -> None:
    x = (tone(8000) * 32767).astype(np.int16)
    body = ulaw_encode(x) if law == "ulaw" else alaw_encode(x)
    path = riff(tmp_path / f"{law}.wav", 7 if law == "ulaw" else 6, 1, 8000, 8, body)
    prompt = load_recorded_prompt(path, 8000)
    assert abs(dominant_hz(prompt.pcm, 8000) - 440) < 5
    assert np.corrcoef(prompt.pcm.astype(float), x.astype(float))[0, 1] > 0.99


def test_float32_and_24_bit_are_accepted(tmp_path: Path) -> None:
    x = tone(16000).astype("<f4")
    f32 = load_recorded_prompt(riff(tmp_path / "f.wav", 3, 1, 16000, 32, x.tobytes()), 16000)
    ints = (tone(16000) * 8388607).astype(np.int32)
    b24 = np.stack([(ints >> s) & 0xFF for s in (0, 8, 16)], axis=1).astype(np.uint8).tobytes()
    i24 = load_recorded_prompt(riff(tmp_path / "i24.wav", 1, 1, 16000, 24, b24), 16000)
    assert np.abs(f32.pcm.astype(int) - i24.pcm.astype(int)).max() <= 2
    assert abs(dominant_hz(i24.pcm, 16000) - 440) < 5


def test_clipped_and_narrow_recordings_warn(tmp_path: Path) -> None:
    loud = np.clip(tone(8000, amp=3.0), -1, 1)
    prompt = load_recorded_prompt(pcm16_wav(tmp_path / "c.wav", loud, 8000), 16000)
    assert any("clipped" in w for w in prompt.warnings)
    assert any("narrow" in w for w in prompt.warnings)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "not found"),
        (lambda p: (p.write_bytes(b"ID3 mp3 data here"), p)[1], "not a WAV"),
        (lambda p: pcm16_wav(p, np.zeros(16000), 16000), "silent"),
        (lambda p: pcm16_wav(p, tone(16000, 0.05), 16000), "s long"),
        (lambda p: pcm16_wav(p, tone(96000), 96000), "sample rate"),
        (lambda p: riff(p, 1, 3, 16000, 16, b"\x00\x01" * 48000), "channels"),
        (lambda p: riff(p, 2, 1, 16000, 4, b"\x00" * 1000), "unsupported"),
        (lambda p: (p.write_bytes(b"RIFF\x04\x00\x00\x00WAVE"), p)[1], "damaged"),
    ],
)
def test_bad_recordings_are_refused_with_a_reason(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path / "bad.wav")
    with pytest.raises(AudioFormatError, match=message):
        load_recorded_prompt(path, 8000)


def test_a_prompt_is_read_once_and_again_when_the_file_changes(tmp_path: Path) -> None:
    import os

    path = pcm16_wav(tmp_path / "g.wav", tone(16000), 16000)
    first = load_recorded_prompt(path, 8000)
    assert load_recorded_prompt(path, 8000) is first
    assert not first.pcm.flags.writeable
    pcm16_wav(path, tone(16000, seconds=2.0), 16000)
    os.utime(path, ns=(1, 1))  # a new mtime even on a coarse clock
    assert abs(load_recorded_prompt(path, 8000).duration - 2.0) < 0.01
