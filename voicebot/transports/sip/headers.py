"""Pure SIP helpers: the called number of an INVITE and the hand-over headers of a transfer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_REQ_LINE = re.compile(r"^INVITE\s+(?:sips?|tel):([^@;>\s]+)", re.IGNORECASE)
_TO = re.compile(r"^(?:To|t)\s*:.*?(?:sips?|tel):([^@;>\s]+)", re.IGNORECASE | re.MULTILINE)
_URI_USER = re.compile(r"(?:sips?|tel):([^@;>\s]+)", re.IGNORECASE)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]+")
MAX_HEADER_VALUE = 512


def called_user(message: str, to_uri: str = "") -> str:
    """The Request-URI user of an INVITE, falling back to the To header (or `to_uri`)."""
    first = message.lstrip().split("\n", 1)[0]
    m = _REQ_LINE.match(first)
    if m:
        return m.group(1)
    m = _TO.search(message)
    if m:
        return m.group(1)
    m = _URI_USER.search(to_uri)
    return m.group(1) if m else ""


def uri_user(uri: str) -> str:
    m = _URI_USER.search(uri)
    return m.group(1) if m else ""


def header_value(value: Any, limit: int = MAX_HEADER_VALUE) -> str:
    """One line, no control characters, bounded length: safe as a SIP header value."""
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    text = _UNSAFE.sub(" ", "" if value is None else str(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def handover_headers(context: Mapping[str, Any], user_to_user: bool = False) -> list[tuple[str, str]]:
    """The X-Voicebot-* context headers of a REFER (and of the bridged agent call)."""
    summary = context.get("summary") or context.get("last_topic") or ""
    pairs = [
        ("X-Voicebot-Call-Id", context.get("call_id")),
        ("X-Voicebot-Kommune", context.get("kommune") or ""),
        ("X-Voicebot-Intent", context.get("intents") or context.get("intent") or ""),
        ("X-Voicebot-Reason", context.get("reason") or ""),
        ("X-Voicebot-Summary", summary),
        ("X-Voicebot-Url", context.get("agent_url")),  # the agent's handoff page, when the console is set up
    ]
    out = [(k, header_value(v)) for k, v in pairs if v is not None]
    if user_to_user and context.get("call_id"):
        hexed = str(context["call_id"]).encode().hex()
        out.append(("User-to-User", f"{hexed};encoding=hex;purpose=call-id"))
    return out


_TEST_HEADER = re.compile(
    r"^X-Voicebot-Test-(Id|At|Dialplan)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE
)


def test_headers(message: str) -> dict[str, str]:
    """`X-Voicebot-Test-Id` / `-At` / `-Dialplan` of an INVITE, as {"id": …, "at": …, "dialplan": …}.

    Replay suites over SIP send them so the gateway files the record under the test's id, judges
    opening hours at the test's time and runs the case's dialplan. The gateway honours them only with `--test-headers`.
    """
    head = message.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
    return {m.group(1).lower(): m.group(2) for m in _TEST_HEADER.finditer(head) if m.group(2)}


_SOURCE = re.compile(r"^X-Voicebot-Source[ \t]*:[ \t]*([0-9A-Fa-f.:]+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


def source_header(message: str) -> str:
    """The caller's address the guard put on a new INVITE (the guard drops any sent from outside)."""
    m = _SOURCE.search(message.split("\r\n\r\n", 1)[0])
    return m.group(1) if m else ""
