"""Builds a ready-to-use synthesiser: engine + Danish read-out + prompt cache."""

from __future__ import annotations

from typing import Any

from voicebot.config import Settings
from voicebot.errors import ConfigError
from voicebot.tts.base import Synthesizer
from voicebot.tts.cache import AudioLRU, PromptStore
from voicebot.tts.layers import CachingSynthesizer, NormalizingSynthesizer

ENGINES = ("espeak", "piper", "wyoming")

SHARED_CACHE = AudioLRU()  # one per process, shared by every call and engine


def create_engine(
    settings: Settings, engine: str = "espeak", voice: str | None = None, remote: Any = None
) -> Synthesizer:
    """The bare engine: text in, audio out, no normalisation or cache. `remote` is the dialplan's
    `engines.tts` section (url, timeouts, pool, breaker) for remote engines."""
    if engine == "wyoming":
        from voicebot.engines.remote import limits_for
        from voicebot.tts.wyoming import WyomingSynthesizer

        if remote is None or not remote.url:
            raise ConfigError("TTS engine 'wyoming' needs a url (tcp://host:10200)")
        return WyomingSynthesizer(remote.url, voice, limits=limits_for(remote))
    if engine == "espeak":
        from voicebot.tts.espeak import EspeakSynthesizer

        return EspeakSynthesizer(voice or "da")
    if engine == "piper":
        from voicebot.tts.piper import PiperSynthesizer, resolve_voice

        model, config = resolve_voice(settings.models_dir, voice)
        return PiperSynthesizer(model, config)
    raise ConfigError(f"unknown TTS engine {engine!r}; known: {', '.join(ENGINES)}")


def create_synthesizer(
    settings: Settings,
    engine: str = "espeak",
    voice: str | None = None,
    *,
    cache: AudioLRU | None = SHARED_CACHE,
    use_prompts: bool = True,
    remote: Any = None,
) -> NormalizingSynthesizer:
    """Normalises Danish text, then looks in the cache and `audio_prompts/` before rendering."""
    inner: Synthesizer = create_engine(settings, engine, voice, remote)
    if cache is not None:
        store = PromptStore(settings.prompts_dir) if use_prompts else None
        inner = CachingSynthesizer(inner, cache, store)
    return NormalizingSynthesizer(inner)
