"""Builds a recogniser from an engine name and an optional model path."""

from __future__ import annotations

from pathlib import Path

from voicebot.asr.base import Recognizer
from voicebot.config import Settings
from voicebot.errors import ConfigError

ENGINES = ("whisper",)


def create_recognizer(settings: Settings, engine: str = "whisper", model: str | None = None) -> Recognizer:
    if engine == "whisper":
        from voicebot.asr.whisper import WhisperRecognizer, embedded_base_model

        path = _model_path(settings, model) if model else embedded_base_model(settings.cache_dir)
        return WhisperRecognizer(path, threads=settings.asr_threads)
    raise ConfigError(f"unknown ASR engine {engine!r}; known: {', '.join(ENGINES)}")


def _model_path(settings: Settings, model: str) -> Path:
    p = Path(model)
    return p if p.is_absolute() else settings.models_dir / p
