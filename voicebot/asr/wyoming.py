"""A recogniser that sends each utterance to a Wyoming ASR server (`wyoming-faster-whisper`,
or `voicebot asr-serve`, which the SIP workers share).

One request: `transcribe` (language, model name, the dialplan's vocabulary prompt in `context`),
`audio-start`, `audio-chunk`s, `audio-stop`; the answer is one `transcript`. Servers that know
nothing of the prompt ignore the context (wyoming-faster-whisper takes its prompt from its
`--initial-prompt` option). `voicebot asr-serve` also returns the decoder's confidence in the
transcript's context; other servers give none, and the result then carries `DEFAULT_CONFIDENCE`.

Cancelling (the caller went on speaking during a speculative decode) closes the connection, and
the service drops the request from its batch.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Describe

from voicebot.asr.base import ASR_RATE, CANCELLED, AsrResult, as_int16
from voicebot.engines.remote import EngineLimits, RemoteEngine
from voicebot.engines.wyoming import Cancelled, ProtocolError, WyomingConnection, parse_tcp_url

CHUNK_SAMPLES = ASR_RATE // 2  # 0.5 s per audio-chunk
DEFAULT_CONFIDENCE = 0.9  # the dialog's thresholds apply to the intent engine's confidence, not this


class WyomingRecognizer:
    name = "wyoming"

    def __init__(
        self, url: str, *, model: str | None = None, language: str = "da", limits: EngineLimits | None = None
    ) -> None:
        self.url = url
        self.address = parse_tcp_url(url)
        self.model = model
        self.language = language
        self.limits = limits or EngineLimits()
        self.remote: RemoteEngine[WyomingConnection] = RemoteEngine(
            f"ASR {self.address}", lambda: WyomingConnection(self.address, self.limits.connect_timeout_s), self.limits
        )

    @property
    def breaker(self) -> Any:
        return self.remote.breaker

    def transcribe(
        self, audio: np.ndarray, *, prompt: str | None = None, cancel: threading.Event | None = None
    ) -> AsrResult:
        """16 kHz PCM16 mono → text, from the server. Blocking; `EngineError` if the server fails."""
        if cancel is not None and cancel.is_set():
            return CANCELLED
        pcm = as_int16(audio)
        try:
            return self.remote.call(lambda conn, deadline: self._exchange(conn, pcm, prompt, cancel, deadline))
        except Cancelled:
            return CANCELLED

    def describe(self) -> dict[str, Any]:
        """The server's `info` event data (which models it serves)."""

        def ask(conn: WyomingConnection, deadline: float) -> dict[str, Any]:
            conn.send([Describe().event()], deadline)
            return dict(_expect(conn, "info", deadline, None).data)

        return self.remote.call(ask)

    def _exchange(
        self, conn: WyomingConnection, pcm: np.ndarray, prompt: str | None, cancel: threading.Event | None,
        deadline: float,
    ) -> AsrResult:  # fmt: skip
        context = {"prompt": prompt} if prompt else None
        conn.send(
            [
                Transcribe(name=self.model, language=self.language, context=context).event(),
                AudioStart(rate=ASR_RATE, width=2, channels=1).event(),
            ],
            deadline,
        )
        for i in range(0, len(pcm), CHUNK_SAMPLES):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            chunk = AudioChunk(rate=ASR_RATE, width=2, channels=1, audio=pcm[i : i + CHUNK_SAMPLES].tobytes())
            conn.send([chunk.event()], deadline)
        conn.send([AudioStop().event()], deadline)
        result = Transcript.from_event(_expect(conn, "transcript", deadline, cancel))
        text = (result.text or "").strip()
        ctx = result.context or {}
        conf = float(ctx.get("confidence", DEFAULT_CONFIDENCE)) if text else 0.0
        return AsrResult(text, conf, ((text, conf),) if text else ())


def _expect(conn: WyomingConnection, kind: str, deadline: float, cancel: threading.Event | None) -> Event:
    """Read until an event of `kind`; others (transcript-start/-chunk, ping) are skipped.
    A server-side `error` event becomes a ProtocolError."""
    while True:
        event = conn.recv(deadline, cancel)
        if event.type == kind:
            return event
        if event.type == "error":
            raise ProtocolError(f"server error: {event.data.get('text', '')[:200]}")
