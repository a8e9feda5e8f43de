"""Bad recordings give one clear line on stderr and exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import pytest


def replay(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicebot.cli", "replay", str(path)], capture_output=True, text=True, timeout=60
    )


def _valid_wav(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))
    return path


def _truncated(tmp: Path) -> Path:
    data = _valid_wav(tmp / "full.wav").read_bytes()
    p = tmp / "truncated.wav"
    p.write_bytes(data[: len(data) // 2])
    return p


def _text(tmp: Path) -> Path:
    p = tmp / "notes.wav"
    p.write_text("this is not audio\n")
    return p


def _empty(tmp: Path) -> Path:
    p = tmp / "empty.wav"
    p.write_bytes(b"")
    return p


def _rate(tmp: Path) -> Path:
    p = tmp / "4k.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(4000)
        w.writeframes(b"\x00\x00" * 4000)
    return p


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda t: t / "missing.wav", "no such file"),
        (_empty, "empty file"),
        (_text, "not a PCM WAV"),
        (_truncated, "truncated"),
        (_rate, "sample rate 4000"),
    ],
)
def test_bad_recording(tmp_path: Path, make, phrase: str) -> None:  # type: ignore[no-untyped-def]
    proc = replay(make(tmp_path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("voicebot: error:") and phrase in lines[0]
    assert "Traceback" not in proc.stderr
