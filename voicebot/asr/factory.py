"""Builds a recogniser from an engine name and an optional model path: the single ASR builder.

Engines:
- "whisper": faster-whisper; no model → the embedded Whisper base from the PyPI wheels;
- "vosk": a Vosk/Kaldi model folder (required);
- "sherpa": a sherpa-onnx offline transducer folder (required; optional package sherpa-onnx);
- "sherpa-streaming": a sherpa-onnx streaming transducer folder;
- "wyoming": a Wyoming ASR server at `url` (tcp://host:port), e.g. wyoming-faster-whisper or
  `voicebot asr-serve`;
- "openai": an OpenAI-compatible `POST {url}/audio/transcriptions` server (vLLM, speaches,
  faster-whisper-server), `model` naming the server's model, the API key from `api_key_env`.
Relative model paths resolve against `settings.models_dir`.

`create_recognizer_for(settings, cfg)` builds from a dialplan's `engines.asr` (with its timeouts,
pool and breaker). Where `settings.asr_service_url` is set (the SIP workers of `serve --workers`),
the default in-process Whisper is replaced by the shared service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voicebot.asr.base import Recognizer
from voicebot.config import Settings
from voicebot.errors import ConfigError, ModelError

ENGINES = ("whisper", "vosk", "sherpa", "sherpa-streaming", "wyoming", "openai")


def create_recognizer(
    settings: Settings, engine: str = "whisper", model: str | None = None, **options: Any
) -> Recognizer:
    """`options` go to the engine's constructor (e.g. initial_prompt=..., phrases=[...])."""
    if engine == "whisper":
        from voicebot.asr.whisper import WhisperRecognizer, embedded_base_model

        path = _model_path(settings, model) if model else embedded_base_model(settings.cache_dir)
        return WhisperRecognizer(path, threads=settings.asr_threads, **options)
    if engine == "vosk":
        from voicebot.asr.vosk import VoskRecognizer

        return VoskRecognizer(_required(settings, engine, model, "a Vosk model folder, e.g. vosk-model-da"), **options)
    if engine in ("sherpa", "sherpa-streaming"):
        from voicebot.asr.sherpa import SherpaRecognizer

        path = _required(settings, engine, model, "a sherpa-onnx transducer folder")
        streaming = engine == "sherpa-streaming"
        return SherpaRecognizer(path, streaming=streaming, threads=settings.asr_threads, **options)
    if engine in ("wyoming", "openai"):
        raise ConfigError(f"ASR engine {engine!r} needs a url: build it with create_recognizer_for()")
    raise ConfigError(f"unknown ASR engine {engine!r}; known: {', '.join(ENGINES)}")


def create_recognizer_for(settings: Settings, cfg: Any) -> Recognizer:
    """From a dialplan's `engines.asr` (voicebot.dialog.plan.AsrEngine)."""
    from voicebot.engines.remote import limits_for

    if cfg.engine == "whisper" and cfg.model is None and settings.asr_service_url:
        from voicebot.asr.wyoming import WyomingRecognizer

        return WyomingRecognizer(settings.asr_service_url, limits=limits_for(cfg))
    if cfg.engine == "wyoming":
        from voicebot.asr.wyoming import WyomingRecognizer

        return WyomingRecognizer(cfg.url, model=cfg.model, limits=limits_for(cfg))
    if cfg.engine == "openai":
        from voicebot.asr.openai_api import OpenAIRecognizer
        from voicebot.config import secret

        return OpenAIRecognizer(cfg.url, model=cfg.model, api_key=secret(cfg.api_key_env), limits=limits_for(cfg))
    return create_recognizer(settings, cfg.engine, cfg.model)



def _required(settings: Settings, engine: str, model: str | None, what: str) -> Path:
    if not model:
        raise ModelError(
            f"ASR engine {engine!r} has no embedded model: set its model to {what} under {settings.models_dir}"
            " (see models/README.md)"
        )
    return _model_path(settings, model)


def _model_path(settings: Settings, model: str) -> Path:
    p = Path(model)
    return p if p.is_absolute() else settings.models_dir / p
