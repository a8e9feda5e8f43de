"""Pure message surgery for the guard: replies it sends itself, its Via and Record-Route, and
rebuilding a parsed message with an exact Content-Length.

The guard is a stateless, record-routing hop in front of pjsip (RFC 3261 §16.11). Its branch
encodes the flow (the caller's UDP address or TCP connection) a response goes back on, and is a
hash of the request's own top Via, so a retransmission, its CANCEL and the ACK of a non-2xx
answer map to the same pjsip transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from voicebot.transports.sip.sipmsg import COMPACT, SipMessage, split_commas

MAGIC = "z9hG4bKvg"
_OUR_BRANCH = re.compile(r";\s*branch=" + MAGIC + r"(\d+)x", re.IGNORECASE)
_FLOW_PARAM = re.compile(r";vgf=(\d+)")
NAMES = {"call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate", "mime-version": "MIME-Version"}
ECHOED = ("via", "from", "to", "call-id", "cseq")  # what a response copies from its request
_SECRET = secrets.token_hex(8)


def canon(name: str) -> str:
    return NAMES.get(name) or "-".join(p.capitalize() for p in name.split("-"))


def build(start: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [start] + [f"{canon(n)}: {v}" for n, v in headers if n != "content-length"]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def start_line(msg: SipMessage) -> str:
    return f"{msg.method} {msg.uri} SIP/2.0" if msg.is_request else f"SIP/2.0 {msg.status} {msg.reason}"


def reply(head: bytes, code: int, reason: str, extra: tuple[tuple[str, str], ...] = ()) -> bytes | None:
    """A response to a request that may not have parsed: copy what the request's head offers."""
    lines = head.decode("utf-8", "replace").split("\r\n")
    if not lines or lines[0].split(" ", 1)[0].upper() in ("ACK", "") or lines[0].startswith("SIP/"):
        return None  # ACKs and responses are never answered
    out: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        key = name.strip().lower()
        key = COMPACT.get(key, key)
        if sep and key in ECHOED and len(value) < 1024:
            value = value.strip()
            if key == "to" and ";tag=" not in value.replace(" ", ""):
                value += ";tag=" + hashlib.sha1((_SECRET + value).encode()).hexdigest()[:10]
            out.append((key, value))
    if not any(n == "via" for n, _ in out):
        return None  # nowhere to send it
    out.extend((n.lower(), v) for n, v in extra)
    return build(f"SIP/2.0 {code} {reason}", out, b"")


def branch_for(msg: SipMessage, flow: int) -> str:
    top = msg.all("via")[0] if msg.all("via") else ""
    first = re.sub(r"\s+", "", split_commas(top)[0])  # folding and LWS must not change the transaction
    key = f"{_SECRET}|{flow}|{first}"
    if "z9hg4bk" not in first.lower():  # RFC 2543 peer: no usable branch, add the transaction's identity
        key += f"|{msg.get('call-id')}|{(msg.get('cseq') or '').split(' ')[0]}|{msg.get('from')}"
    return f"{MAGIC}{flow}x{hashlib.sha1(key.encode()).hexdigest()[:16]}"


def push_via(msg: SipMessage, transport: str, hostport: str, branch: str) -> None:
    msg.headers.insert(0, ("via", f"SIP/2.0/{transport} {hostport};branch={branch};rport"))


def pop_our_via(msg: SipMessage) -> int | None:
    """Remove our top Via from a response; the flow it names, or None when it is not ours."""
    for i, (name, value) in enumerate(msg.headers):
        if name != "via":
            continue
        parts = split_commas(value)
        m = _OUR_BRANCH.search(parts[0])
        if m is None:
            return None
        rest = ",".join(parts[1:]).strip()
        if rest:
            msg.headers[i] = ("via", rest)
        else:
            del msg.headers[i]
        return int(m.group(1))
    return None


def add_record_route(msg: SipMessage, inner: str, outer: str, transport: str, flow: int) -> None:
    """Double Record-Route (RFC 5658): pjsip's side reaches us on `inner`, the caller's on `outer`."""
    tp = ";transport=tcp" if transport == "TCP" else ""
    msg.headers.insert(0, ("record-route", f"<sip:{inner};lr;vgf={flow}>, <sip:{outer}{tp};lr;vgf={flow}>"))


def pop_our_routes(msg: SipMessage, ours: tuple[str, ...]) -> int | None:
    """Remove the Route entries that name us; the flow they carry, if any."""
    flow: int | None = None
    kept: list[tuple[str, str]] = []
    for name, value in msg.headers:
        if name != "route":
            kept.append((name, value))
            continue
        left = []
        for entry in split_commas(value):
            uri = entry.strip().strip("<>").split(";", 1)[0]
            if uri.startswith("sip:") and uri[4:] in ours:
                m = _FLOW_PARAM.search(entry)
                flow = int(m.group(1)) if m else flow
            else:
                left.append(entry.strip())
        if left:
            kept.append(("route", ", ".join(left)))
    msg.headers[:] = kept
    return flow


def first_route(msg: SipMessage) -> str | None:
    value = msg.get("route")
    return split_commas(value)[0].strip() if value else None


def drop_headers(msg: SipMessage, prefix: str) -> None:
    msg.headers[:] = [(n, v) for n, v in msg.headers if not n.startswith(prefix)]


_URI_HOSTPORT = re.compile(r"<?sips?:(?:[^@>]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?")


def uri_hostport(uri: str) -> tuple[str, int] | None:
    """Where a SIP URI (or a Route entry) points, for sending over UDP; None for other schemes."""
    m = _URI_HOSTPORT.match(uri.strip())
    if not m:
        return None
    return m.group(1).strip("[]"), int(m.group(2) or 5060)


COMPAT_TAG = "vg2543"
_COMPAT_TAG = re.compile(r";tag=" + COMPAT_TAG + r"[0-9a-f]+")


def add_compat_tag(msg: SipMessage) -> None:
    """RFC 2543 peers send no From tag and pjsip refuses to make a dialog without one: add a tag
    derived from the Call-ID and From, so every request of that dialog gets the same one."""
    for i, (name, value) in enumerate(msg.headers):
        if name == "from" and not re.search(r";\s*tag\s*=", value):
            tag = hashlib.sha1(f"{_SECRET}|{msg.get('call-id')}|{value}".encode()).hexdigest()[:12]
            msg.headers[i] = (name, f"{value};tag={COMPAT_TAG}{tag}")
            return


def add_compat_contact(msg: SipMessage) -> None:
    """An RFC 2543 INVITE may lack Contact; its remote target is then the From URI (RFC 2543 §6.13)."""
    if msg.method == "INVITE" and not msg.all("contact"):
        m = re.search(r"<([^>]+)>", msg.get("from") or "") or re.match(r"\s*([^;\s]+)", msg.get("from") or "")
        if m:
            msg.headers.append(("contact", f"<{m.group(1)}>"))


def strip_compat_tag(msg: SipMessage) -> None:
    """Toward the peer, the tag it never sent is taken off again (From in responses, To in requests)."""
    msg.headers[:] = [(n, _COMPAT_TAG.sub("", v)) if n in ("from", "to") else (n, v) for n, v in msg.headers]
