"""CPR redaction, written and spoken (pure).

A CPR number is DDMMYY-SSSS: a valid day and month, then four digits. It is redacted as
``[CPR]`` in three forms:

- written: ``120385-1234``, ``1203851234``, ``120385 1234``;
- spoken digit by digit, as a recogniser writes it: ``en to nul tre otte fem en to tre fire``
  or ``1 2 0 3 8 5 1 2 3 4``;
- spoken in pairs or mixed: ``tolv nul tre femogfirs tolv fireogtredive``.

A run of number tokens is a CPR number when its digits are exactly ten and the first six are a
date. Phone numbers (eight digits, or +45 and eight), prices, years and dates are left alone.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from voicebot.danish_numbers import TENS, UNITS

CPR_MASK = "[CPR]"
_WRITTEN = re.compile(r"(?<![\d+])(\d{6})[-\s]?(\d{4})(?![\d])")
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_JOINERS = {"-", "/", ".", ",", "bindestreg", "streg"}
_COMPOUND = re.compile(r"^(en|et|to|tre|fire|fem|seks|syv|otte|ni)og(" + "|".join(TENS) + r")$")


def _valid_date(six: str) -> bool:
    day, month = int(six[:2]), int(six[2:4])
    return 1 <= day <= 31 and 1 <= month <= 12


def _digits_of(token: str) -> str | None:
    """The digits a token stands for, or None when it is not a number token."""
    t = token.lower()
    if t.isdigit():
        return t
    if t in UNITS:
        return str(UNITS[t])
    if t in TENS:
        return str(TENS[t])
    m = _COMPOUND.match(t)
    if m:
        return str(UNITS[m.group(1)] + TENS[m.group(2)])
    return None


def _written(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        return CPR_MASK if _valid_date(m.group(1)) else m.group(0)

    return _WRITTEN.sub(sub, text)


def _spoken_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of number-token runs whose digits form a CPR number."""
    spans: list[tuple[int, int]] = []
    run: list[tuple[int, int, str]] = []  # (start, end, digits) of the current run

    def close() -> None:
        digits = "".join(d for _, _, d in run)
        if len(digits) == 10 and _valid_date(digits[:6]) and len(run) > 1:
            spans.append((run[0][0], run[-1][1]))
        run.clear()

    pending_joiner = False
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        digits = _digits_of(tok)
        if digits is not None:
            run.append((m.start(), m.end(), digits))
            pending_joiner = False
        elif run and tok.lower() in _JOINERS and not pending_joiner:
            pending_joiner = True
        else:
            close()
            pending_joiner = False
    close()
    return spans


def redact(text: str) -> str:
    """`text` with every CPR number replaced by ``[CPR]``."""
    if not text:
        return text
    out = _written(text)
    for start, end in reversed(_spoken_spans(out)):
        out = out[:start] + CPR_MASK + out[end:]
    return out


def contains_cpr(text: str) -> bool:
    return redact(text) != text


def redact_value(value: Any) -> Any:
    """Redact strings inside JSON-like values (dicts, lists)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts CPR numbers from every message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
