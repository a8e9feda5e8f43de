"""RTP packets for test callers: one stream per call carrying both the caller's G.711 speech and
RFC 4733 DTMF events (sipp's `play_pcap_audio` replays its pcap).

Pure: no sockets, no clock. Used by the SIP tests and the SIP benchmarks (a test tool, not
part of the gateway).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicebot.audio.g711 import alaw_encode, ulaw_encode
from voicebot.suite.pcap import write_udp_pcap

PT_PCMU, PT_PCMA, PT_EVENT = 0, 8, 101
FRAME = 160  # samples per 20 ms at 8 kHz
DTMF_CODES = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}


def rtp_packet(pt: int, seq: int, ts: int, ssrc: int, payload: bytes, marker: bool = False) -> bytes:
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def parse_rtp(data: bytes) -> tuple[int, int, int, bytes] | None:
    """(payload type, seq, timestamp, payload) of an RTP packet, or None."""
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    cc = data[0] & 0x0F
    _, b1, seq, ts = struct.unpack("!BBHI", data[:8])
    return b1 & 0x7F, seq, ts, data[12 + 4 * cc :]


def dtmf_payload(digit: str, duration: int, end: bool, volume: int = 10) -> bytes:
    return struct.pack("!BBH", DTMF_CODES[digit], (0x80 if end else 0) | volume, duration)


@dataclass(frozen=True)
class RtpEvent:
    t: float  # seconds from the start of the stream
    pt: int
    data: bytes  # the whole RTP packet


def call_stream(
    pcm: np.ndarray, dtmf: list[tuple[float, str]] | None = None, *, law: str = "ulaw", ssrc: int = 0x5EED1234,
    dtmf_ms: int = 100,
) -> list[RtpEvent]:
    """20 ms G.711 packets for `pcm` (8 kHz); each (t, digit) replaces audio with an RFC 4733 event."""
    pt = PT_PCMU if law == "ulaw" else PT_PCMA
    enc = ulaw_encode if law == "ulaw" else alaw_encode
    n = (len(pcm) + FRAME - 1) // FRAME
    pcm = np.concatenate([pcm.astype(np.int16), np.zeros(n * FRAME - len(pcm), np.int16)])
    events = sorted(dtmf or [])
    out: list[RtpEvent] = []
    seq, i, marker = 1, 0, True
    while i < n:
        t = i * 0.02
        if events and events[0][0] <= t:
            _, digit = events.pop(0)
            ts0, steps = i * FRAME, max(1, dtmf_ms // 20)
            for k in range(steps + 2):  # growing duration, then the end bit sent three times
                end = k >= steps - 1
                dur = min(k + 1, steps) * FRAME
                out.append(RtpEvent((i + min(k, steps - 1)) * 0.02 + (0.001 * max(0, k - steps + 1)),
                                    PT_EVENT, rtp_packet(PT_EVENT, seq, ts0, ssrc, dtmf_payload(digit, dur, end),
                                                         marker=k == 0)))
                seq += 1
            i += steps
            marker = True
            continue
        out.append(RtpEvent(t, pt, rtp_packet(pt, seq, i * FRAME, ssrc, enc(pcm[i * FRAME:(i + 1) * FRAME]), marker)))
        marker = False
        seq += 1
        i += 1
    return out


def write_pcap(path: Path, stream: list[RtpEvent], src: tuple[str, int] = ("10.0.0.1", 40000),
               dst: tuple[str, int] = ("10.0.0.2", 40002)) -> Path:
    """Ethernet/IPv4/UDP pcap of `stream` (the project's one pcap writer, on dpkt)."""
    return write_udp_pcap(path, [(ev.t, ev.data) for ev in stream], src, dst)
