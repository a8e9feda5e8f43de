"""The OpenAI-compatible face of `asr-serve`: `POST /v1/audio/transcriptions` on the same
batched decoder as the Wyoming face, so HTTP clients (and the gateway's `openai` engine) can use
the shared model too.

Form fields: `file` (a WAV: mono or stereo PCM16, any rate; resampled to 16 kHz), `model`
(ignored: one model is served), `language` (only `da`), `prompt` (the vocabulary),
`response_format` (`json` or `text`). A client that disconnects while its request waits has the
request dropped from the batch.
"""

import asyncio
import io
import wave
from typing import Any

import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import PlainTextResponse

from voicebot.asr.base import ASR_RATE
from voicebot.asr.batching import BatchDecoder
from voicebot.audio.resample import resample

POLL_S = 0.05


def read_wav(data: bytes) -> np.ndarray:
    """16 kHz PCM16 mono from a WAV upload; ValueError if it is not PCM16 WAV."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            if w.getsampwidth() != 2:
                raise ValueError("only 16-bit PCM WAV is accepted")
            rate, channels = w.getframerate(), w.getnchannels()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a WAV file: {exc}") from exc
    if channels > 1:
        pcm = pcm.reshape(-1, channels)[:, 0]
    return resample(pcm.astype(np.int16), rate, ASR_RATE)


def create_openai_app(decoder: BatchDecoder) -> Any:
    app = FastAPI(title="voicebot asr-serve", docs_url=None, redoc_url=None)

    @app.post("/v1/audio/transcriptions", response_model=None)
    async def transcriptions(
        request: Request,
        file: UploadFile = File(...),  # noqa: B008 - FastAPI's way of declaring a form file
        model: str = Form("whisper-1"),
        language: str | None = Form(None),
        prompt: str | None = Form(None),
        response_format: str = Form("json"),
    ) -> Any:
        if response_format not in ("json", "text"):
            raise HTTPException(400, "response_format must be json or text")
        if language not in (None, "", "da"):
            raise HTTPException(400, "this service recognises Danish (language=da) only")
        try:
            audio = read_wav(await file.read())
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        job = decoder.submit(audio, prompt or None)
        waiting = asyncio.wrap_future(job.future)
        while not waiting.done():
            await asyncio.wait([waiting], timeout=POLL_S)
            if not waiting.done() and await request.is_disconnected():
                job.cancel.set()  # dropped from the batch if its decoder step has not begun
                raise HTTPException(499, "client closed the request")
        result = waiting.result()
        if response_format == "text":
            return PlainTextResponse(result.text)
        return {"text": result.text}

    return app
