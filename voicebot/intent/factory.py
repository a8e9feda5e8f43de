"""Builds the intent engine named in the settings, once per process.

Default: the embedded Danish engine. With `intent_url` set (VOICEBOT_INTENT_URL), a kommune's own
NLU is called over HTTP instead (voicebot.intent.remote), with the same answers from our knowledge base.
"""

from __future__ import annotations

import threading

from voicebot.config import Settings
from voicebot.intent.base import IntentEngine

_lock = threading.Lock()
_engines: dict[tuple[str, str], IntentEngine] = {}


def create_intent_engine(settings: Settings) -> IntentEngine:
    url = getattr(settings, "intent_url", None)
    key = ("remote", url) if url else ("danish", str(settings.cache_dir))
    with _lock:
        if key not in _engines:
            from voicebot.intent.engine import DanishIntentEngine

            local = _engines.get(("danish", str(settings.cache_dir)))
            if local is None:
                local = DanishIntentEngine.load(cache_dir=settings.cache_dir)
                _engines[("danish", str(settings.cache_dir))] = local
            if url:
                from voicebot.intent.remote import RemoteIntentEngine

                _engines[key] = RemoteIntentEngine(url, kb=local.kb)  # type: ignore[attr-defined]
        return _engines[key]
