"""Builds the intent engine named in the settings."""

from __future__ import annotations

from voicebot.config import Settings
from voicebot.intent.base import IntentEngine


def create_intent_engine(settings: Settings) -> IntentEngine:
    from voicebot.intent.keywords import KeywordIntentEngine

    return KeywordIntentEngine()
