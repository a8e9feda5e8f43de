"""The RFC 4475 / RFC 5118 torture messages: their wire bytes, the outcome the SOURCE.md table
asks for, and a raw UDP/TCP sender that plays a minimal, honest peer (it CANCELs and ACKs the
INVITEs the gateway accepts, so they don't hold slots).

Outcomes: a status code; CALL (an INVITE accepted: it rings, or 486 when every slot is held);
DROP (no answer: responses that match nothing, RFC 4475 says drop them); CLOSE (over TCP the
gateway closes the connection: a framing error).
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

CALL, DROP, CLOSE = "call", "drop", "close"
CALL_CODES = {180, 183, 486, 487}  # rang (then CANCELled: 487), or every slot held

# file -> acceptable outcomes over UDP (the table in ../shared/corpus/sip_torture/SOURCE.md)
UDP: dict[str, set[object]] = {
    # 3.1.1 valid: accept (UA: 501 for the unknown methods; REGISTER/MESSAGE: not served here, 405)
    "wsinv": {481},  # its To has a tag: a re-INVITE of a dialog that does not exist
    "intmeth": {501}, "esc01": {CALL}, "escnull": {405}, "esc02": {501}, "lwsdisp": {200},
    "longreq": {CALL}, "dblreq": {405}, "semiuri": {200}, "transports": {200}, "mpart01": {405},
    "unreason": {DROP}, "noreason": {DROP},
    # 3.1.2 invalid: 400 (505 for the version); responses dropped; lenient ones may pass
    "badinv01": {400}, "clerr": {400}, "ncl": {400}, "scalar02": {400}, "scalarlg": {DROP}, "quotbal": {400},
    "ltgtruri": {400}, "lwsruri": {400}, "lwsstart": {400, CALL}, "trws": {400, 200}, "escruri": {400, CALL},
    "baddate": {400, CALL}, "regbadct": {400, 405}, "badaspec": {400, 200}, "baddn": {400, 200},
    "badvers": {505}, "mismatch01": {400}, "mismatch02": {501, 400}, "bigcode": {DROP},
    # 3.2 transaction
    "badbranch": {200},
    # 3.3 application
    "insuf": {400}, "unkscm": {416}, "novelsc": {416}, "unksm2": {400, 405}, "bext01": {420}, "invut": {415},
    "regaut01": {405}, "multi01": {400}, "mcl01": {400, DROP}, "bcast": {DROP}, "zeromf": {200},
    "cparam01": {405}, "cparam02": {405}, "regescrt": {405}, "sdp01": {406, 400},
    # 3.4 compat
    "inv2543": {CALL},
    "test": {400, DROP},  # no Via: a response has nowhere to go (RFC 3261 §18.2.2)
    # RFC 5118. Media here is IPv4 only, so pjsip may answer an IPv6 offer 488; mult-ip-in-sdp has an
    # empty s= line, which pjsip's SDP parser refuses (400; RFC 4566 §5.3 asks for one character).
    "ipv6-good": {405}, "ipv6-bad": {400}, "port-ambiguous": {405}, "port-unambiguous": {405},
    "via-received-param-with-delim": {481}, "via-received-param-no-delim": {200}, "ipv6-in-sdp": {CALL, 488},
    "mult-ip-in-header": {481}, "mult-ip-in-sdp": {CALL, 488, 400}, "ipv4-mapped-ipv6": {CALL, 488},
    "ipv6-bug-abnf-3-colons": {200, 400}, "ipv6-correct-abnf-2-colons": {200},
}  # fmt: skip

# Over TCP a stream must be framed by Content-Length: a bad one closes the connection
# (RFC 4475 §3.1.2.3/.4), and so does a message with none (RFC 3261 §18.3: inv2543 over TCP).
TCP: dict[str, set[object]] = {
    **UDP, "clerr": {CLOSE}, "ncl": {CLOSE}, "mcl01": {CLOSE}, "inv2543": {CLOSE},
    "baddn": {CLOSE},  # its header section never ends: closed after the partial-message timeout
    "dblreq": {405},  # then the trailing INVITE is the stream's next message: it rings (checked apart)
}  # fmt: skip


def load(corpus: Path) -> dict[str, bytes]:
    """Wire bytes per message. RFC 5118's archive has bare LF line ends, some files lack the closing
    blank line, and two Content-Lengths are known wrong (SOURCE.md): convert to CRLF, close the
    header section and set Content-Length to the body."""
    root = corpus / "sip_torture"
    out = {p.stem: p.read_bytes() for p in sorted((root / "rfc4475").glob("*.dat"))}
    for p in sorted((root / "rfc5118").iterdir()):
        if p.name == "SHA256SUMS":
            continue
        text = p.read_bytes().replace(b"\r\n", b"\n")
        head, _sep, body = text.partition(b"\n\n")
        body = body.replace(b"\n", b"\r\n")
        head = re.sub(rb"(?im)^(content-length|l)[ \t]*:.*$", b"Content-Length: %d" % len(body), head)
        out[p.name] = head.replace(b"\n", b"\r\n") + b"\r\n\r\n" + body
    return out


@dataclass
class Outcome:
    codes: list[int] = field(default_factory=list)
    closed: bool = False
    texts: list[str] = field(default_factory=list)

    def kind(self) -> object:
        if self.closed and set(self.codes) <= {400}:
            return CLOSE
        finals = [c for c in self.codes if c >= 200 and c not in CALL_CODES]
        if finals:
            return finals[0]
        return CALL if set(self.codes) & CALL_CODES else DROP


_STATUS = re.compile(r"^SIP/2\.0 (\d{3}) ", re.M)


class Peer:
    """One raw SIP peer on loopback (a fresh TCP connection per message, or one UDP socket)."""

    def __init__(self, transport: str, port: int, host: str = "127.0.0.1") -> None:
        self.transport, self.dest = transport, (host, port)
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((host, 0))
        else:
            self.sock = socket.create_connection(self.dest, timeout=5)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        if self.transport == "udp":
            self.sock.sendto(data, self.dest)
        else:
            self.sock.sendall(data)

    def recv(self, timeout: float) -> tuple[list[str], bool]:
        """Messages that arrived within `timeout`, and whether a TCP peer closed the connection."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return [], False
        except ConnectionResetError:
            return [], True
        if self.transport == "tcp" and not data:
            return [], True
        text = (self.buf + data).decode("utf-8", "replace")
        self.buf = b""
        return [m for m in re.split(r"(?=^SIP/2\.0 )", text, flags=re.M) if m.strip()], False


def exchange(peer: Peer, data: bytes, wait: float = 1.0, close_wait: float = 0.0) -> Outcome:
    """Send one message; collect answers until a final one (or `wait` of silence, or a close)."""
    out = Outcome()
    peer.send(data)
    deadline = time.monotonic() + max(wait, close_wait)
    invite = data.lstrip().startswith(b"INVITE ")
    cancelled = False
    while time.monotonic() < deadline:
        msgs, closed = peer.recv(max(0.05, deadline - time.monotonic()))
        if closed:
            out.closed = True
            return out
        for text in msgs:
            m = _STATUS.match(text)
            if not m or "CANCEL" in _hdr(text, "CSeq"):
                continue
            code = int(m.group(1))
            out.codes.append(code)
            out.texts.append(text)
            if not invite:
                if code >= 200 and not close_wait:
                    return out
            elif code in (180, 183) and not cancelled:
                peer.send(cancel(data))
                cancelled = True
            elif code >= 300:
                peer.send(ack(data, text))
                if not close_wait:
                    return out
    return out


def _hdr(msg_text: str, name: str, compact: str = "") -> str:
    head = re.sub(r"\r\n[ \t]+", " ", msg_text.split("\r\n\r\n", 1)[0])
    names = name + (f"|{compact}" if compact else "")
    m = re.search(rf"^(?:{names})[ \t]*:[ \t]*(.*?)[ \t]*$", head, re.I | re.M)
    return m.group(1) if m else ""


def _in_dialog(invite: bytes, method: str, to: str) -> bytes:
    text = invite.decode("utf-8", "replace")
    uri = text.split("\r\n", 1)[0].split(" ")[1]
    num = _hdr(text, "CSeq").split(" ")[0] or "1"
    lines = [f"{method} {uri} SIP/2.0", f"Via: {_hdr(text, 'Via', 'v')}", f"From: {_hdr(text, 'From', 'f')}",
             f"To: {to}", f"Call-ID: {_hdr(text, 'Call-ID', 'i')}", f"CSeq: {num} {method}", "Max-Forwards: 70",
             "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def cancel(invite: bytes) -> bytes:
    return _in_dialog(invite, "CANCEL", _hdr(invite.decode("utf-8", "replace"), "To", "t"))


def ack(invite: bytes, response: str) -> bytes:
    return _in_dialog(invite, "ACK", _hdr(response, "To", "t"))


def options(n: int = 1) -> bytes:
    lines = ["OPTIONS sip:voicebot@127.0.0.1 SIP/2.0", f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKprobe{n}",
             "From: <sip:probe@127.0.0.1>;tag=p1", "To: <sip:voicebot@127.0.0.1>", f"Call-ID: probe-{n}",
             "CSeq: 1 OPTIONS", "Max-Forwards: 70", "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
