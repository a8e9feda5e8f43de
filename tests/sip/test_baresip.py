"""baresip (Debian) as a second real client: it plays a WAV as the caller's microphone, dumps
what it hears, and hangs up when the WAV ends."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from siphelpers import NUMBER, Gateway, free_port, kill_group

from voicebot.transports.wav import read_call_wav, write_wav

pytestmark = pytest.mark.slow
CONFIG = """poll_method epoll
sip_listen 127.0.0.1:{port}
audio_player aubridge,nil
audio_source aufile,{wav}
audio_alert aubridge,nil
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
module_app account.so
module_app menu.so
snd_path {dir}
"""


def test_baresip_call_hears_greeting_and_reply(gateway: Gateway, tmp_path: Path, question_pcm: np.ndarray) -> None:
    gateway.wait_idle()
    before = len(gateway.records())
    silence = np.zeros(8000 * 7, np.int16)
    write_wav(tmp_path / "mic.wav", np.concatenate([silence, question_pcm, silence[: 8000 * 6]]), 8000)
    (tmp_path / "config").write_text(CONFIG.format(port=free_port(), wav=tmp_path / "mic.wav", dir=tmp_path))
    (tmp_path / "accounts").write_text("<sip:caller@127.0.0.1>;regint=0\n")
    proc = subprocess.Popen(["baresip", "-f", str(tmp_path), "-e", f"/dial sip:{NUMBER}@127.0.0.1:{gateway.sip_port}",
                             "-t", "25"], stdout=(tmp_path / "baresip.log").open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=tmp_path)
    try:
        proc.wait(40)
    finally:
        kill_group(proc)
    log = (tmp_path / "baresip.log").read_text(errors="replace")
    assert "Call established" in log, log[-2000:]
    (heard_path,) = tmp_path.glob("dump-*-dec.wav")
    heard = read_call_wav(heard_path)
    frames = heard.pcm[: len(heard.pcm) // 160 * 160].reshape(-1, 160).astype(np.float64)
    voiced = np.sqrt((frames**2).mean(axis=1)) > 300
    t = np.arange(len(voiced)) * 160 / heard.sample_rate
    assert voiced[t < 4].mean() > 0.5, "the greeting is heard"
    assert voiced[t > 7 + len(question_pcm) / 8000 + 0.3].sum() > 25, "a reply is heard after the question"
    (rec,) = gateway.wait_records(before + 1)[before:]
    assert any(turn["speaker"] == "caller" for turn in rec["turns"])
    assert rec["end_reason"] == "caller_hangup"
    time.sleep(0.2)
    gateway.wait_idle()
