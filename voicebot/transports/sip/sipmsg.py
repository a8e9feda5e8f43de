"""A small, strict SIP message parser for the guard in front of pjsip (pure: bytes in, data out).

It checks what RFC 3261 §7 and §20 make a framing or syntax matter, and what the RFC 4475 /
RFC 5118 torture messages probe: the start line, header names, single-valued headers,
Content-Length against the body, CSeq and Max-Forwards ranges, Via syntax, balanced quotes and
angle brackets in name-addr headers, and the Request-URI's host. Errors carry the status code a
request gets (400, or 505 for an unknown SIP version); what applies above the parser (methods,
schemes, Require, bodies) is in `verdict.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COMPACT = {
    "i": "call-id", "f": "from", "t": "to", "v": "via", "l": "content-length", "c": "content-type",
    "m": "contact", "k": "supported", "s": "subject", "e": "content-encoding", "o": "event", "r": "refer-to",
    "u": "allow-events", "b": "referred-by", "x": "session-expires",
}  # fmt: skip
SINGLE = ("to", "from", "call-id", "cseq", "max-forwards", "content-type", "expires")  # + Content-Length
REQUIRED = ("to", "from", "call-id", "cseq", "via")
TOKEN = r"[A-Za-z0-9.!%*_+`'~-]+"
_TOKEN_RE = re.compile(TOKEN)
_REQ_LINE = re.compile(r"(" + TOKEN + r") (\S+) (\S+)")
_RESP_LINE = re.compile(r"SIP/2\.0 ([1-6]\d\d) (.*)")
_VERSION = re.compile(r"SIP/\d+\.\d+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_HOSTPORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?")
_VIA = re.compile(r"SIP\s*/\s*2\.0\s*/\s*(" + TOKEN + r")\s+([^;\s,]+)\s*((?:;.*)?)", re.S)
_PARAM = re.compile(r"\s*(" + TOKEN + r")\s*(?:=\s*(\"(?:[^\"\\]|\\.)*\"|[^;\s]+))?\s*")
MAX_CSEQ = 2**31 - 1


class SipSyntaxError(ValueError):
    """A message we cannot accept; `code` is what a request gets (0: drop it, e.g. a response)."""

    def __init__(self, reason: str, code: int = 400, *, framing: bool = False) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.framing = framing  # the byte stream is out of step: over TCP, close the connection
        self.consumed = 0  # bytes of the bad message, when its length is known


class Incomplete(Exception):
    """A stream holds only part of a message so far."""


@dataclass
class SipMessage:
    method: str = ""  # requests
    uri: str = ""
    status: int = 0  # responses
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # (canonical lower-case name, value)
    body: bytes = b""
    head: bytes = b""  # the raw start line and headers, without the blank line

    @property
    def is_request(self) -> bool:
        return self.status == 0

    def get(self, name: str) -> str | None:
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n == name]


def split_head(buf: bytes) -> tuple[bytes, bytes] | None:
    i = buf.find(b"\r\n\r\n")
    if i < 0:
        return None
    return buf[:i], buf[i + 4 :]


def parse(buf: bytes, *, stream: bool = False) -> tuple[SipMessage, int]:
    """Parse one message from the start of `buf`; returns it and the bytes it used.

    A datagram (`stream=False`) must hold the whole message; bytes past Content-Length are
    ignored (RFC 3261 §18.3). On a stream, `Incomplete` means: wait for more bytes. A syntax
    error in a message whose length is known carries `consumed`, so a stream can skip it.
    """
    lead = len(buf) - len(buf.lstrip(b"\r\n"))
    parts = split_head(buf[lead:])
    if parts is None:
        if stream:
            raise Incomplete
        raise SipSyntaxError("no end of the header section")
    head, rest = parts
    lengths = [v for n, v in _raw_headers(head) if n == "content-length"]
    if len(lengths) > 1:
        raise SipSyntaxError("more than one Content-Length", framing=True)
    if lengths:
        if not lengths[0].isdigit():
            raise SipSyntaxError("bad Content-Length", framing=True)
        n = int(lengths[0])
        if len(rest) < n:
            if stream:
                raise Incomplete
            raise SipSyntaxError("Content-Length larger than the body", framing=True)
    elif stream:
        raise SipSyntaxError("no Content-Length on a stream transport", framing=True)
    else:
        n = len(rest)
    used = lead + len(head) + 4 + n
    try:
        msg = _parse_head(head)
    except SipSyntaxError as exc:
        exc.consumed = used
        raise
    msg.body = rest[:n]
    return msg, used


def _raw_headers(head: bytes) -> list[tuple[str, str]]:
    out = []
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            key = name.strip().lower().decode("latin-1")
            out.append((COMPACT.get(key, key), value.strip().decode("latin-1")))
    return out


def _parse_head(head: bytes) -> SipMessage:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipSyntaxError("header section is not UTF-8") from exc
    lines: list[str] = []
    for line in text.split("\r\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    msg = SipMessage(head=head)
    _start_line(lines[0], msg)
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        name = name.rstrip(" \t")
        if not sep or not _TOKEN_RE.fullmatch(name):
            raise SipSyntaxError("malformed header line")
        key = name.lower()
        msg.headers.append((COMPACT.get(key, key), value.strip()))
    if msg.is_request:
        _check_request(msg)
    return msg


def _start_line(line: str, msg: SipMessage) -> None:
    if line.startswith("SIP/"):
        m = _RESP_LINE.fullmatch(line) or _RESP_LINE.fullmatch(line + " ")
        if not m:
            raise SipSyntaxError("malformed status line", 0)  # a response: dropped, never answered
        msg.status, msg.reason = int(m.group(1)), m.group(2)
        return
    m = _REQ_LINE.fullmatch(line)
    if not m:
        raise SipSyntaxError("malformed request line")
    msg.method, msg.uri, version = m.groups()
    if version != "SIP/2.0":
        raise SipSyntaxError("unsupported SIP version", 505 if _VERSION.fullmatch(version) else 400)
    if not _SCHEME.match(msg.uri):
        raise SipSyntaxError("malformed Request-URI")
    scheme = uri_scheme(msg.uri)
    if scheme in ("sip", "sips"):
        check_sip_uri(msg.uri)


def uri_scheme(uri: str) -> str:
    m = _SCHEME.match(uri)
    return m.group(1).lower() if m else ""


def check_sip_uri(uri: str) -> None:
    rest = uri.split(":", 1)[1]
    hostpart = rest[rest.rfind("@") + 1 :]  # '?' and ';' may appear in the user part, '@' not after it
    hostport = re.split(r"[;?]", hostpart, maxsplit=1)[0]
    m = _HOSTPORT.fullmatch(hostport)
    if not m or (m.group(2) and int(m.group(2)) > 65535):
        raise SipSyntaxError("malformed host in SIP URI")


def _check_request(msg: SipMessage) -> None:
    for name in REQUIRED:
        if not msg.all(name):
            raise SipSyntaxError(f"missing {name} header")
    for name in SINGLE:
        if len(msg.all(name)) > 1:
            raise SipSyntaxError(f"more than one {name} header")
    cseq = (msg.get("cseq") or "").split()
    if len(cseq) != 2 or not cseq[0].isdigit() or int(cseq[0]) > MAX_CSEQ:
        raise SipSyntaxError("malformed CSeq")
    if cseq[1] != msg.method:
        raise SipSyntaxError("CSeq method does not match the request")
    mf = msg.get("max-forwards")
    if mf is not None and (not mf.isdigit() or int(mf) > 255):
        raise SipSyntaxError("malformed Max-Forwards")
    for via in msg.all("via"):
        check_via(via)
    for name in ("to", "from"):
        check_name_addr(msg.get(name) or "")
    for value in msg.all("contact"):
        for part in split_commas(value):
            check_name_addr(part)
    if not msg.get("call-id"):
        raise SipSyntaxError("empty Call-ID")


def split_commas(value: str) -> list[str]:
    """Split a header value at commas outside quotes and angle brackets."""
    out: list[str] = []
    cur: list[str] = []
    quoted = angle = esc = False
    for ch in value:
        if esc:
            esc = False
        elif quoted and ch == "\\":
            esc = True
        elif ch == '"':
            quoted = not quoted
        elif not quoted and ch in "<>":
            angle = ch == "<"
        elif ch == "," and not quoted and not angle:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def check_via(value: str) -> None:
    for part in split_commas(value):
        m = _VIA.fullmatch(part.strip())
        if not m or not _HOSTPORT.fullmatch(m.group(2)):
            raise SipSyntaxError("malformed Via")
        _check_params(m.group(3))


def _check_params(params: str) -> None:
    if not params:
        return
    for p in _split_semis(params)[1:]:
        if not _PARAM.fullmatch(p):
            raise SipSyntaxError("malformed header parameter")


def _split_semis(text: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def check_name_addr(value: str) -> None:
    """Balanced quotes and angle brackets, and well-formed parameters after the address."""
    if value.strip() == "*":
        return
    i, quoted, n = 0, False, len(value)
    while i < n:
        ch = value[i]
        if quoted and ch == "\\":
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        i += 1
    if quoted:
        raise SipSyntaxError("unbalanced quotes")
    if "<" in value:
        gt = value.find(">", value.index("<"))
        if gt < 0:
            raise SipSyntaxError("unbalanced angle brackets")
        rest = value[gt + 1 :].strip()
        if rest and not rest.startswith(";"):
            raise SipSyntaxError("text after the address")
        _check_params(rest)
