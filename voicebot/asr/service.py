"""The shared ASR service behind `voicebot asr-serve`: one model, many calls, Wyoming over TCP.

Per connection: `describe` → `info`; `transcribe` (optional `context.prompt`: the dialplan's
vocabulary) + `audio-start`/`audio-chunk`*/`audio-stop` → `transcript` (with
`context.confidence`). The connection stays open for the next request. With an HTTP port,
the same decoder also answers the OpenAI-compatible `POST /v1/audio/transcriptions`
(see openai_service.py). A client that drops the
connection while its request waits (a cancelled speculative decode) has the request dropped
from the batch. `voicebot-stats` → `voicebot-stats` with the batching figures (for benchmarks).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import AsrModel, AsrProgram, Attribution, Describe, Info
from wyoming.server import AsyncEventHandler, AsyncTcpServer

from voicebot.asr.base import ASR_RATE, AsrResult, Recognizer
from voicebot.asr.batching import BatchDecoder, BatchEngine, Job

log = logging.getLogger(__name__)
STATS_EVENT = "voicebot-stats"
MAX_UTTERANCE_S = 120.0  # a longer stream is refused: a phone turn is seconds long


class SerialBatch:
    """For engines without batched decoding (Vosk, sherpa-onnx): one after the other."""

    def __init__(self, engine: Recognizer) -> None:
        self._engine = engine

    def transcribe(
        self, audio: np.ndarray, *, prompt: str | None = None, cancel: threading.Event | None = None
    ) -> AsrResult:
        return self._engine.transcribe(audio, prompt=prompt, cancel=cancel)

    def transcribe_batch(
        self, items: list[tuple[np.ndarray, str | None]], cancels: list[threading.Event | None] | None = None
    ) -> list[AsrResult]:
        flags = cancels or [None] * len(items)
        return [self._engine.transcribe(a, prompt=p, cancel=c) for (a, p), c in zip(items, flags, strict=True)]


def batch_engine(engine: Recognizer) -> BatchEngine:
    return engine if hasattr(engine, "transcribe_batch") else SerialBatch(engine)  # type: ignore[return-value]


def service_info(model_name: str) -> Info:
    attribution = Attribution(name="voicebot", url="")
    model = AsrModel(
        name=model_name, description=model_name, attribution=attribution, installed=True, version=None,
        languages=["da"],
    )  # fmt: skip
    program = AsrProgram(
        name="voicebot-asr", description="voicebot shared ASR service (batched)", attribution=attribution,
        installed=True, version=None, models=[model],
    )  # fmt: skip
    return Info(asr=[program])


class AsrHandler(AsyncEventHandler):
    def __init__(self, reader: Any, writer: Any, decoder: BatchDecoder, info: Info) -> None:
        super().__init__(reader, writer)
        self.decoder = decoder
        self.info = info
        self._converter = AudioChunkConverter(rate=ASR_RATE, width=2, channels=1)
        self._prompt: str | None = None
        self._chunks: list[bytes] = []
        self._bytes = 0
        self._job: Job | None = None
        self._reply: asyncio.Task[None] | None = None

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(self.info.event())
        elif Transcribe.is_type(event.type):
            context = Transcribe.from_event(event).context or {}
            prompt = context.get("prompt")
            self._prompt = str(prompt) if prompt else None
            self._chunks, self._bytes = [], 0
        elif AudioStart.is_type(event.type):
            self._chunks, self._bytes = [], 0
        elif AudioChunk.is_type(event.type):
            chunk = self._converter.convert(AudioChunk.from_event(event))
            self._bytes += len(chunk.audio)
            if self._bytes > MAX_UTTERANCE_S * ASR_RATE * 2:
                await self.write_event(Error(text=f"utterance longer than {MAX_UTTERANCE_S:.0f} s").event())
                return False
            self._chunks.append(chunk.audio)
        elif event.type == "audio-stop":
            if self._reply is not None and not self._reply.done():
                await self.write_event(Error(text="one request at a time per connection").event())
                return False
            audio = np.frombuffer(b"".join(self._chunks), dtype="<i2").astype(np.int16)
            self._chunks, self._bytes = [], 0
            self._job = self.decoder.submit(audio, self._prompt)
            # Answer from a task, so this handler goes on reading and sees a disconnect at once.
            self._reply = asyncio.create_task(self._answer(self._job))
        elif event.type == STATS_EVENT:
            await self.write_event(Event(STATS_EVENT, data=self.decoder.stats.as_dict()))
        return True

    async def _answer(self, job: Job) -> None:
        try:
            result = await asyncio.wrap_future(job.future)
        except Exception as exc:  # noqa: BLE001 - the client gets an error event, the service goes on
            log.error("decode failed: %s", type(exc).__name__)
            await self.write_event(Error(text=f"decode failed: {type(exc).__name__}").event())
            return
        if not result.cancelled:
            ctx = {"confidence": round(result.confidence, 4)}
            await self.write_event(Transcript(text=result.text, context=ctx, language="da").event())

    async def disconnect(self) -> None:
        if self._job is not None and not self._job.future.done():
            self._job.cancel.set()  # dropped from the batch if its decoder step has not begun
        if self._reply is not None:
            self._reply.cancel()


async def serve_asr(
    engine: Recognizer, host: str, port: int, *, model_name: str, window_s: float, max_batch: int,
    ready: Callable[[int], None] | None = None, stop: asyncio.Event | None = None,
    http_port: int | None = None, http_ready: Callable[[int], None] | None = None,
) -> BatchDecoder:  # fmt: skip
    """Run the service until `stop` is set; `ready(port)` once it listens. With `http_port`, the
    OpenAI-compatible API too (`http_ready(port)`). Returns the decoder (with its stats)."""
    decoder = BatchDecoder(batch_engine(engine), window_s=window_s, max_batch=max_batch)
    info = service_info(model_name)
    server = AsyncTcpServer(host, port)
    await server.start(lambda r, w: AsrHandler(r, w, decoder, info))
    http: Any = None
    serving: asyncio.Task[None] | None = None
    if http_port is not None:
        http, serving = await _start_http(decoder, host, http_port, http_ready)
    if ready is not None:
        sockets = getattr(server._server, "sockets", None) or ()
        ready(sockets[0].getsockname()[1] if sockets else port)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        if http is not None and serving is not None:
            http.should_exit = True
            await asyncio.gather(serving, return_exceptions=True)
        await server.stop()
        await asyncio.get_running_loop().run_in_executor(None, decoder.close)
    return decoder


async def _start_http(
    decoder: BatchDecoder, host: str, port: int, ready: Callable[[int], None] | None
) -> tuple[Any, asyncio.Task[None]]:
    import contextlib

    import uvicorn

    from voicebot.asr.openai_service import create_openai_app

    config = uvicorn.Config(create_openai_app(decoder), host=host, port=port, log_level="warning")
    http = uvicorn.Server(config)
    http.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]  # our loop owns signals
    serving = asyncio.create_task(http.serve())
    while not http.started:
        if serving.done():
            await serving  # raises why it could not start
            raise OSError(f"the HTTP API did not start on {host}:{port}")
        await asyncio.sleep(0.02)
    if ready is not None:
        ready(http.servers[0].sockets[0].getsockname()[1] if http.servers else port)
    return http, serving
