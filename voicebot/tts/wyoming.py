"""A synthesiser that asks a Wyoming TTS server (`wyoming-piper`) for speech.

One request: `synthesize` (text, voice name); the answer is `audio-start`, `audio-chunk`s,
`audio-stop`. The audio comes at the voice's own rate (22.05 kHz for Piper medium voices) and is
resampled to the call's rate here. Danish read-out normalisation and the prompt cache wrap this
engine as they wrap the local ones (see voicebot/tts/factory.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from wyoming.audio import AudioChunk, AudioStart
from wyoming.event import Event
from wyoming.tts import Synthesize, SynthesizeVoice

from voicebot.audio.resample import resample
from voicebot.engines.remote import EngineLimits, RemoteEngine
from voicebot.engines.wyoming import ProtocolError, WyomingConnection, parse_tcp_url


class WyomingSynthesizer:
    name = "wyoming"

    def __init__(self, url: str, voice: str | None = None, *, limits: EngineLimits | None = None) -> None:
        self.url = url
        self.address = parse_tcp_url(url)
        self.voice = voice or ""
        self.limits = limits or EngineLimits()
        self.remote: RemoteEngine[WyomingConnection] = RemoteEngine(
            f"TTS {self.address}", lambda: WyomingConnection(self.address, self.limits.connect_timeout_s), self.limits
        )

    @property
    def breaker(self) -> Any:
        return self.remote.breaker

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        """Text → PCM16 mono at `sample_rate`. Blocking; `EngineError` if the server fails."""
        if not text.strip():
            return np.zeros(0, np.int16)
        pcm, rate = self.remote.call(lambda conn, deadline: self._exchange(conn, text, deadline))
        return resample(pcm, rate, sample_rate)

    def _exchange(self, conn: WyomingConnection, text: str, deadline: float) -> tuple[np.ndarray, int]:
        voice = SynthesizeVoice(name=self.voice) if self.voice else None
        conn.send([Synthesize(text=text, voice=voice).event()], deadline)
        start: AudioStart | None = None
        parts: list[bytes] = []
        while True:
            event: Event = conn.recv(deadline)
            if event.type == "audio-start":
                start = AudioStart.from_event(event)
            elif event.type == "audio-chunk":
                chunk = AudioChunk.from_event(event)
                if start is None:
                    start = AudioStart(chunk.rate, chunk.width, chunk.channels)
                parts.append(chunk.audio)
            elif event.type == "audio-stop":
                break
            elif event.type == "error":
                raise ProtocolError(f"server error: {event.data.get('text', '')[:200]}")
        if start is None:
            raise ProtocolError("the server sent no audio")
        if start.width != 2:
            raise ProtocolError(f"expected 16-bit audio, got {8 * start.width}-bit")
        pcm = np.frombuffer(b"".join(parts), dtype="<i2")
        if start.channels > 1:
            pcm = pcm.reshape(-1, start.channels)[:, 0]
        return pcm.astype(np.int16), start.rate
