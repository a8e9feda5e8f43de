"""What the guard answers to a request that parsed (pure): the checks RFC 4475 §3.3 puts above
the parser, and which methods this user agent serves at all.

The bot is a user agent, not a registrar or a presence or messaging server: REGISTER,
SUBSCRIBE, PUBLISH and MESSAGE get 405 with Allow; a method nobody defined gets 501.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicebot.transports.sip.sipmsg import SipMessage, split_commas, uri_scheme

ALLOWED = ("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "NOTIFY", "REFER", "UPDATE", "PRACK")
KNOWN_REFUSED = ("REGISTER", "SUBSCRIBE", "PUBLISH", "MESSAGE")  # defined methods this UA does not serve
SUPPORTED = ("replaces", "timer", "100rel", "norefersub")  # option tags pjsua2 handles
SCHEMES = ("sip", "sips", "tel")
BODY_TYPES = ("application/sdp", "multipart/mixed")
ALLOW = ", ".join(ALLOWED)


@dataclass(frozen=True)
class Reply:
    code: int
    reason: str
    headers: tuple[tuple[str, str], ...] = ()


def check(msg: SipMessage) -> Reply | None:
    """None: hand the request on. Otherwise the response the guard sends itself."""
    method = msg.method
    if method in KNOWN_REFUSED:
        return Reply(405, "Method Not Allowed", (("Allow", ALLOW),))
    if method not in ALLOWED:
        return Reply(501, "Not Implemented", (("Allow", ALLOW),))
    if uri_scheme(msg.uri) not in SCHEMES:
        return Reply(416, "Unsupported URI Scheme")
    if method not in ("ACK", "CANCEL"):
        unsupported = [tag for tag in option_tags(msg.all("require")) if tag.lower() not in SUPPORTED]
        if unsupported:
            return Reply(420, "Bad Extension", (("Unsupported", ", ".join(unsupported)),))
    if method == "INVITE":
        ctype = (msg.get("content-type") or "").split(";", 1)[0].strip().lower()
        if msg.body.strip() and ctype not in BODY_TYPES:
            return Reply(415, "Unsupported Media Type", (("Accept", "application/sdp"),))
        accept = msg.all("accept")
        if accept and not accepts_sdp(accept):
            return Reply(406, "Not Acceptable", (("Accept", "application/sdp"),))
    return None


def option_tags(values: list[str]) -> list[str]:
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


def accepts_sdp(values: list[str]) -> bool:
    for value in values:
        for item in split_commas(value):
            media = item.split(";", 1)[0].strip().lower()
            if media in ("application/sdp", "application/*", "*/*", ""):
                return True
    return False
