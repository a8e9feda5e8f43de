"""Builds a synthesiser from an engine name and voice."""

from __future__ import annotations

from voicebot.config import Settings
from voicebot.errors import ConfigError
from voicebot.tts.base import Synthesizer

ENGINES = ("espeak",)


def create_synthesizer(settings: Settings, engine: str = "espeak", voice: str | None = None) -> Synthesizer:
    if engine == "espeak":
        from voicebot.tts.espeak import EspeakSynthesizer

        return EspeakSynthesizer(voice or "da")
    raise ConfigError(f"unknown TTS engine {engine!r}; known: {', '.join(ENGINES)}")
