"""The exception tree, drawn in one place.

    VoicebotError
    ├── InputError          bad user input (files, text, arguments); never retryable
    │   └── AudioFormatError
    ├── ConfigError         bad configuration or dialplan
    ├── ModelError          a model folder is missing or incomplete
    └── EngineError         an engine failed at run time; may be retryable
        └── TransportError  SIP/WebRTC/media failure

Adapters translate library exceptions at their boundary with ``raise X(...) from exc``.
"""

from __future__ import annotations


class VoicebotError(Exception):
    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class InputError(VoicebotError):
    """The caller of a command or API gave input we cannot use."""


class AudioFormatError(InputError):
    """An audio file is not a readable WAV/pcap in a supported format."""


class ConfigError(VoicebotError):
    """A setting or a dialplan is invalid."""


class ModelError(VoicebotError):
    """A model folder is missing or lacks the files an engine needs."""


class EngineError(VoicebotError):
    """An ASR/TTS/intent engine failed while running."""

    retryable = True


class TransportError(EngineError):
    """A media or signalling transport failed."""
