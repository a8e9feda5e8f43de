"""A minimal SIP UAC over UDP with a real-time RTP leg (PCMU), for tests and the capacity bench.

It places one call, streams the caller's audio paced at 20 ms, records every RTP packet the
gateway sends with its arrival time, and hangs up (or answers the gateway's BYE). Not a SIP
stack: enough for INVITE/ACK/BYE/OPTIONS against the gateway on loopback.
"""

from __future__ import annotations

import random
import re
import socket
import time
from dataclasses import dataclass, field

import numpy as np
from rtpcap import FRAME, PT_PCMU, parse_rtp, rtp_packet

from voicebot.audio.g711 import ulaw_decode, ulaw_encode


@dataclass
class ProbeResult:
    status: int = 0
    rx: list[tuple[float, bytes]] = field(default_factory=list)  # (seconds since answer, PCMU payload)
    rx_seq: list[int] = field(default_factory=list)
    bye_from_gateway: bool = False
    sent_frames: int = 0
    sent: list[float] = field(default_factory=list)  # send time of each frame, seconds since t0
    t0: float = 0.0  # time.monotonic() when the first frame was sent (rx times are relative to it)

    def energy(self) -> np.ndarray:
        """RMS of each received 20 ms frame."""
        return np.array([np.sqrt(np.mean(ulaw_decode(p).astype(np.float64) ** 2)) for _, p in self.rx])

    def lost(self) -> int:
        if not self.rx_seq:
            return 0
        seqs = np.unwrap(np.array(self.rx_seq, dtype=np.float64), period=65536)
        return int(seqs.max() - seqs.min() + 1 - len(set(seqs.tolist())))


def _msg(lines: list[str], body: str = "") -> bytes:
    return ("\r\n".join([*lines, f"Content-Length: {len(body.encode())}", "", body])).encode()


class SipProbe:
    def __init__(self, host: str, port: int, local: str = "127.0.0.1") -> None:
        self.host, self.port, self.local = host, port, local
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((local, 0))
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind((local, 0))
        self.rtp.setblocking(False)
        self.call_id = f"{random.getrandbits(64):x}@probe"
        self.tag = f"{random.getrandbits(32):x}"
        self.peer_tag = ""
        self.remote_rtp: tuple[str, int] | None = None
        self.cseq = 1

    def close(self) -> None:
        self.sip.close()
        self.rtp.close()

    def _base(self, method: str, uri: str, cseq: int, branch: int | str | None = None) -> list[str]:
        sport, to_tag = self.sip.getsockname()[1], f";tag={self.peer_tag}" if self.peer_tag else ""
        return [
            f"{method} {uri} SIP/2.0",
            f"Via: SIP/2.0/UDP {self.local}:{sport};rport;branch=z9hG4bK{branch or random.getrandbits(40):x}",
            f"From: <sip:probe@{self.local}:{sport}>;tag={self.tag}", f"To: <{uri}>{to_tag}",
            f"Call-ID: {self.call_id}", f"CSeq: {cseq} {method}", f"Contact: <sip:probe@{self.local}:{sport}>",
            "Max-Forwards: 70",
        ]  # fmt: skip

    def _recv(self, timeout: float) -> str | None:
        self.sip.settimeout(timeout)
        try:
            data, _ = self.sip.recvfrom(65535)
        except TimeoutError:
            return None
        return data.decode(errors="replace")

    def options(self, timeout: float = 3.0) -> int:
        uri = f"sip:voicebot@{self.host}:{self.port}"
        self.sip.sendto(_msg(self._base("OPTIONS", uri, 1)), (self.host, self.port))
        msg = self._recv(timeout)
        return int(msg.split()[1]) if msg and msg.startswith("SIP/2.0") else 0

    def invite(self, number: str, timeout: float = 10.0, codecs: str = "0 101") -> int:
        self.uri = f"sip:{number}@{self.host}:{self.port}"
        rport = self.rtp.getsockname()[1]
        sdp = (f"v=0\r\no=probe 1 1 IN IP4 {self.local}\r\ns=-\r\nc=IN IP4 {self.local}\r\nt=0 0\r\n"
               f"m=audio {rport} RTP/AVP {codecs}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
               "a=fmtp:101 0-15\r\na=sendrecv\r\n")
        self.branch = random.getrandbits(40)
        lines = [*self._base("INVITE", self.uri, 1, self.branch), "Content-Type: application/sdp"]
        deadline = time.monotonic() + timeout
        self.sip.sendto(_msg(lines, sdp), (self.host, self.port))
        while time.monotonic() < deadline:
            msg = self._recv(max(0.01, deadline - time.monotonic()))
            if msg is None or not msg.startswith("SIP/2.0"):
                continue
            code = int(msg.split()[1])
            if code < 200:
                continue
            m = re.search(r"^To:.*?;tag=([^;\s>]+)", msg, re.M | re.I)
            self.peer_tag = m.group(1) if m else ""
            ack_branch = self.branch if code >= 300 else None
            self.sip.sendto(_msg(self._base("ACK", self.uri, 1, ack_branch)), (self.host, self.port))
            if code == 200:
                ip = re.search(r"c=IN IP4 (\S+)", msg)
                port = re.search(r"m=audio (\d+)", msg)
                if ip and port:
                    self.remote_rtp = (ip.group(1), int(port.group(1)))
            return code
        return 0

    def converse(self, pcm: np.ndarray, *, hold_s: float, hangup: bool = True) -> ProbeResult:
        """Send `pcm` (8 kHz) in real time, then silence until `hold_s`; record what comes back."""
        res = ProbeResult(status=200)
        assert self.remote_rtp is not None
        n_frames = int(hold_s / 0.02)
        pcm = np.concatenate([pcm.astype(np.int16), np.zeros(max(0, n_frames * FRAME - len(pcm)), np.int16)])
        t0 = res.t0 = time.monotonic()
        ssrc = random.getrandbits(32)
        self.sip.setblocking(False)
        for i in range(n_frames):
            payload = ulaw_encode(pcm[i * FRAME : (i + 1) * FRAME])
            self.rtp.sendto(rtp_packet(PT_PCMU, i, i * FRAME, ssrc, payload, i == 0), self.remote_rtp)
            res.sent.append(time.monotonic() - t0)
            res.sent_frames += 1
            next_t = t0 + (i + 1) * 0.02
            while True:
                self._drain_rtp(res, t0)
                if self._check_bye(res):
                    return res
                left = next_t - time.monotonic()
                if left <= 0:
                    break
                time.sleep(min(left, 0.005))
        if hangup:
            self.cseq += 1
            self.sip.sendto(_msg(self._base("BYE", self.uri, self.cseq)), (self.host, self.port))
            self.sip.setblocking(True)
            self._recv(3.0)
        return res

    def info_dtmf(self, digit: str) -> None:
        """Send a DTMF digit as SIP INFO (application/dtmf-relay) inside the call."""
        self.cseq += 1
        lines = [*self._base("INFO", self.uri, self.cseq), "Content-Type: application/dtmf-relay"]
        self.sip.sendto(_msg(lines, f"Signal={digit}\r\nDuration=160\r\n"), (self.host, self.port))

    def _drain_rtp(self, res: ProbeResult, t0: float) -> None:
        while True:
            try:
                data = self.rtp.recv(2048)
            except BlockingIOError:
                return
            pkt = parse_rtp(data)
            if pkt and pkt[0] == PT_PCMU:
                res.rx.append((time.monotonic() - t0, pkt[3]))
                res.rx_seq.append(pkt[1])

    def _check_bye(self, res: ProbeResult) -> bool:
        try:
            data = self.sip.recv(65535).decode(errors="replace")
        except BlockingIOError:
            return False
        if not data.startswith("BYE"):
            return False
        keep = ("via", "from", "to", "call-id", "cseq")
        headers = [ln for ln in data.split("\r\n") if ln.split(":")[0].lower() in keep]
        self.sip.sendto(_msg(["SIP/2.0 200 OK", *headers]), (self.host, self.port))
        res.bye_from_gateway = True
        return True
