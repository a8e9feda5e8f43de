"""Builds a recogniser from an engine name and an optional model path: the single ASR builder.

Engines:
- "whisper": faster-whisper; no model → the embedded Whisper base from the PyPI wheels;
- "vosk": a Vosk/Kaldi model folder (required);
- "sherpa": a sherpa-onnx offline transducer folder (required; optional package sherpa-onnx);
- "sherpa-streaming": a sherpa-onnx streaming transducer folder.
Relative model paths resolve against `settings.models_dir`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voicebot.asr.base import Recognizer
from voicebot.config import Settings
from voicebot.errors import ConfigError, ModelError

ENGINES = ("whisper", "vosk", "sherpa", "sherpa-streaming")


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
    raise ConfigError(f"unknown ASR engine {engine!r}; known: {', '.join(ENGINES)}")


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
