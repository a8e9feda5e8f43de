"""Personal data: redaction of CPR numbers before anything is stored or logged."""

from voicebot.privacy.redact import CPR_MASK, RedactingFilter, contains_cpr, redact

__all__ = ["CPR_MASK", "RedactingFilter", "contains_cpr", "redact"]
