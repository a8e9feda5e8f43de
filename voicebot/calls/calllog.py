"""What `--call-log` may hold: the call record without the personal data a log file must not keep.

DTMF digits are dropped (callers key in CPR numbers); only the method of each key press stays.
CPR-like digit runs (DDMMYY-SSSS, with or without the dash or a space) and any other run of
eight or more digits, spaces allowed between them (phone numbers), in any text are replaced.
Dates and times (2026-12-02T10:15:00) are not digit runs and stay.
"""

from __future__ import annotations

import re
from typing import Any

from voicebot.privacy.redact import redact as redact_cpr

MASK = "[redacted]"
_RUNS = re.compile(r"(?<![\d-])\d{6}[ -]?\d{4}(?![\d-])|(?<!\d)(?:\d ?){7,}\d(?!\d)")  # not dates
# the record's own identifiers: a call id may be all digits, and the line must still find its call
IDENTIFIERS = frozenset({"call_id", "dialplan", "kommune", "started_at", "channel", "codec"})


def redact_text(text: str) -> str:
    """Written CPR numbers and any long digit run, then spoken CPR numbers (the database's redaction)."""
    return redact_cpr(_RUNS.sub(MASK, text))


def redact(value: Any, key: str | None = None) -> Any:
    if key in IDENTIFIERS:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def dtmf_methods(events: list[tuple[str, str]]) -> list[list[str]]:
    """Each key press as ["x", method]: that a key was pressed and how, never which."""
    return [["x", method] for _digit, method in events]
