"""Wrappers that make an engine ready for calls: Danish read-out first, then the prompt cache.

    NormalizingSynthesizer(CachingSynthesizer(engine))

so the cache is keyed by the normalised text: "891 kr." and "891 kroner" share one entry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import numpy as np

from voicebot.errors import InputError
from voicebot.tts.base import MAX_TEXT_CHARS, Synthesizer, stream_speech
from voicebot.tts.cache import AudioLRU, PromptStore
from voicebot.tts.normalize_da import normalize

_EMPTY = np.zeros(0, dtype=np.int16)


def native_rate(synth: Synthesizer, default: int = 22050) -> int:
    return int(getattr(synth, "native_rate", default))


class NormalizingSynthesizer:
    """Speaks the Danish spoken form of the text; rejects absurdly long input with a clear error."""

    def __init__(self, inner: Synthesizer, normalizer: Callable[[str], str] = normalize) -> None:
        self.inner = inner
        self.name = inner.name
        self.voice = inner.voice
        self.native_rate = native_rate(inner)
        self._normalize = normalizer

    def spoken(self, text: str) -> str:
        if len(text) > MAX_TEXT_CHARS:
            raise InputError(f"text is {len(text)} characters; the most one utterance may hold is {MAX_TEXT_CHARS}")
        return self._normalize(text)

    def stream(self, text: str, sample_rate: int) -> AsyncIterator[np.ndarray]:
        """PCM chunks phrase by phrase as they are rendered; close the iterator to stop (barge-in)."""
        return stream_speech(self, text, sample_rate)

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        spoken = self.spoken(text)
        if not spoken or not any(ch.isalnum() for ch in spoken):
            return _EMPTY
        return self.inner.synthesize(spoken, sample_rate)


class CachingSynthesizer:
    """Memory LRU first, then the pre-rendered prompts folder, then the engine."""

    def __init__(self, inner: Synthesizer, lru: AudioLRU, store: PromptStore | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.voice = inner.voice
        self.native_rate = native_rate(inner)
        self.lru = lru
        self.store = store

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        key = (self.name, self.voice, sample_rate, text)
        pcm = self.lru.get(key)
        if pcm is not None:
            return pcm
        if self.store is not None:
            pcm = self.store.load(self.name, self.voice, text, sample_rate)
        if pcm is None:
            pcm = self.inner.synthesize(text, sample_rate)
        return self.lru.put(key, pcm)

    def render_native(self, text: str) -> np.ndarray:
        """The engine's own output, uncached: what `prompts build` stores."""
        return self.inner.synthesize(text, self.native_rate)
