"""espeak-ng Danish: the embedded default voice (robotic, but instant and always available)."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave

import numpy as np

from voicebot.audio.resample import resample
from voicebot.errors import ConfigError, EngineError, ModelError


class EspeakSynthesizer:
    name = "espeak"
    native_rate = 22050

    def __init__(self, voice: str = "da", rate_wpm: int = 160) -> None:
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise ModelError("espeak-ng is not installed; run `make run` (it installs the Debian package espeak-ng)")
        self._exe = exe
        self.voice = voice
        self.rate_wpm = rate_wpm

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        text = text.strip()
        if not text:
            return np.zeros(0, dtype=np.int16)
        try:
            proc = subprocess.run(  # text on stdin: never parsed as options, no argv length limit
                [self._exe, "-v", self.voice, "-s", str(self.rate_wpm), "--stdout", "-b", "1", "--stdin"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=30,
                check=True,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            detail = (getattr(exc, "stderr", b"") or b"").decode(errors="replace").strip()
            if "voice does not exist" in detail:
                raise ConfigError(f"espeak-ng has no voice {self.voice!r} (try `espeak-ng --voices`)") from exc
            raise EngineError(f"espeak-ng failed: {exc} {detail}") from exc
        with wave.open(io.BytesIO(_fix_stream_header(proc.stdout))) as w:
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        return resample(pcm, rate, sample_rate)


def _fix_stream_header(data: bytes) -> bytes:
    """espeak-ng writes a streaming WAV with 0x7fffffff sizes; patch them to the real length."""
    if len(data) < 44 or data[:4] != b"RIFF":
        raise EngineError("espeak-ng produced no WAV output")
    buf = bytearray(data)
    buf[4:8] = (len(buf) - 8).to_bytes(4, "little")
    buf[40:44] = (len(buf) - 44).to_bytes(4, "little")
    return bytes(buf)
