"""Voicebot telephony gateway for Danish kommuner."""

__version__ = "0.1.0"
