"""A recogniser for OpenAI-compatible transcription servers: `POST {url}/audio/transcriptions`
(vLLM with a Whisper model, speaches, LocalAI, faster-whisper-server).

The utterance goes as a 16 kHz mono WAV in a multipart form with `model`, `language=da`,
`response_format=json` and the dialplan's vocabulary as `prompt`; the answer is `{"text": …}`.
httpx keeps a bounded pool of keep-alive connections. The API key, if any, comes from the
environment variable the dialplan names (`api_key_env`) and goes as `Authorization: Bearer`.

Cancelling: HTTP has no way to take back a sent request, so a cancel flag set while the request
is out makes the result `CANCELLED` when the answer comes (the server's work is lost, not the call's).
"""

from __future__ import annotations

import io
import threading
import time
import wave
from typing import Any

import httpx
import numpy as np

from voicebot.asr.base import ASR_RATE, CANCELLED, AsrResult, as_int16
from voicebot.engines.remote import EngineLimits, RemoteEngine
from voicebot.engines.retry import RetryableFailure
from voicebot.errors import ConfigError

DEFAULT_CONFIDENCE = 0.9  # the API gives none; the dialog's thresholds apply to the intent engine's


def wav_bytes(pcm: np.ndarray, rate: int = ASR_RATE) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(as_int16(pcm).tobytes())
    return buf.getvalue()


class OpenAIRecognizer:
    name = "openai"

    def __init__(
        self, url: str, *, model: str | None = None, api_key: str | None = None, language: str = "da",
        limits: EngineLimits | None = None,
    ) -> None:  # fmt: skip
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{url!r} is not an http(s) URL like http://host:8000/v1")
        self.url = url.rstrip("/")
        self.model = model or "whisper-1"
        self.language = language
        self.limits = limits or EngineLimits()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        lim = self.limits
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(lim.timeout_s, connect=lim.connect_timeout_s, pool=lim.timeout_s),
            limits=httpx.Limits(max_connections=lim.pool_size, max_keepalive_connections=lim.pool_size),
        )
        self.remote: RemoteEngine[Any] = RemoteEngine(f"ASR {self.url}", None, lim)

    @property
    def breaker(self) -> Any:
        return self.remote.breaker

    def transcribe(
        self, audio: np.ndarray, *, prompt: str | None = None, cancel: threading.Event | None = None
    ) -> AsrResult:
        if cancel is not None and cancel.is_set():
            return CANCELLED
        body = wav_bytes(audio)
        form = {"model": self.model, "language": self.language, "response_format": "json"}
        if prompt:
            form["prompt"] = prompt
        text = self.remote.call_plain(lambda deadline: self._post(body, form, deadline))
        if cancel is not None and cancel.is_set():
            return CANCELLED
        text = text.strip()
        conf = DEFAULT_CONFIDENCE if text else 0.0
        return AsrResult(text, conf, ((text, conf),) if text else ())

    def _post(self, body: bytes, form: dict[str, str], deadline: float) -> str:
        left = max(0.001, deadline - time.monotonic())
        timeout = httpx.Timeout(left, connect=min(left, self.limits.connect_timeout_s))
        try:
            resp = self._http.post(
                f"{self.url}/audio/transcriptions", data=form, files={"file": ("turn.wav", body, "audio/wav")},
                timeout=timeout,
            )
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:  # nothing answered: safe to resend
            raise RetryableFailure(f"{type(exc).__name__}: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise TimeoutError(str(exc)) from exc
        if resp.status_code >= 400:
            # The body may echo the request; keep only the status in the error.
            raise RuntimeError(f"HTTP {resp.status_code} from the transcription server")
        try:
            return str(resp.json()["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RuntimeError("the transcription server's answer has no 'text'") from exc

    def close(self) -> None:
        self._http.close()
