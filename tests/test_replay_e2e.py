"""End to end: recorded calls through the real pipeline (Whisper base + espeak-ng), offline."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from speechkit import espeak_pcm

from voicebot.transports.wav import write_wav

pytestmark = pytest.mark.slow
PASSPORT = re.compile(r"\bp[aæe]+s", re.IGNORECASE)  # pas / pass / pæs: Whisper base's Danish vowels vary


def voicebot(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicebot.cli", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def pas_call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The caller waits for the greeting, then asks; 8 kHz G.711 telephone audio."""
    rate = 8000
    q = espeak_pcm("Hvad koster et nyt pas?", rate, wpm=130)
    pcm = np.zeros(int(5.0 * rate), np.int16)
    pcm = np.concatenate([pcm, q, np.zeros(rate, np.int16)])
    path = tmp_path_factory.mktemp("calls") / "pas.wav"
    write_wav(path, pcm, rate)
    return path


def test_replay_of_a_passport_question(pas_call: Path, tmp_path: Path) -> None:
    out, bot = tmp_path / "rec.json", tmp_path / "bot.wav"
    proc = voicebot("replay", str(pas_call), "--json", str(out), "--bot-audio", str(bot))
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(out.read_text())
    caller = [t for t in rec["turns"] if t["speaker"] == "caller"]
    assert caller and PASSPORT.search(caller[0]["text"]), caller
    later_bot = [t for t in rec["turns"] if t["speaker"] == "bot" and t["start_s"] > caller[0]["end_s"]]
    assert later_bot, "no bot turn after the question"
    assert len(rec["response_gaps_ms"]) >= 1 and 0 < rec["response_gaps_ms"][0] < 10_000
    assert rec["outcome"] in ("contained", "abandoned", "transferred")
    with wave.open(str(bot)) as w:
        assert w.getnchannels() == 2 and w.getframerate() == 8000
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16).reshape(-1, 2)
    start = int(later_bot[0]["start_s"] * 8000)
    assert np.abs(pcm[start : start + 4000, 1]).max() > 1000  # the bot's answer is audible where recorded


def test_replay_of_real_danish_speech_from_the_corpus(corpus: Path) -> None:
    clip = corpus / "danish_speech" / "udhr_librivox" / "udhr_da_preamble_part1.wav"
    proc = voicebot("replay", str(clip))
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout)
    caller = [t for t in rec["turns"] if t["speaker"] == "caller"]
    assert caller and all(t["text"] for t in caller)
    assert rec["call_id"] and rec["started_at"]


def test_stereo_16k_uses_left_channel(tmp_path: Path) -> None:
    rate = 16000
    q = espeak_pcm("Jeg vil gerne tale med en medarbejder.", rate, wpm=130)
    left = np.concatenate([np.zeros(5 * rate, np.int16), q, np.zeros(rate, np.int16)])
    path = tmp_path / "stereo.wav"
    write_wav(path, left, rate, right=np.zeros_like(left))
    proc = voicebot("replay", str(path))
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout)
    assert any(t["speaker"] == "caller" for t in rec["turns"])
