"""Recorded calls as pcap/pcapng: G.711 RTP audio and RFC 4733 DTMF, read and written with dpkt.

Reading picks the caller's RTP: the media address in the INVITE's SDP when the capture holds
the signalling, else the first G.711 stream. Audio is placed by RTP timestamp (gaps become
silence); DTMF events are deduplicated by their RTP timestamp and timed by arrival.

Writing makes the pcap that sipp's `play_pcap_audio` sends for `--over-sip`: one RTP stream
carrying both the audio (PCMU or PCMA, 20 ms) and the telephone-events.
"""

from __future__ import annotations

import re
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path

import dpkt
import numpy as np

from voicebot.audio.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from voicebot.errors import AudioFormatError
from voicebot.transports.wav import CallAudio

RATE = 8000
EVENT_DIGITS = "0123456789*#ABCD"
_PT_NAMES = {0: "PCMU", 3: "GSM", 4: "G723", 8: "PCMA", 9: "G722", 18: "G729"}


@dataclass
class _Stream:
    src: tuple[str, int]
    pt: int
    first_t: float
    packets: list[tuple[float, int, int, bytes]] = field(default_factory=list)  # (t, seq, ts, payload)


def _open(path: Path, fh):
    magic = fh.read(4)
    fh.seek(0)
    if magic == b"\x0a\x0d\x0d\x0a":
        return dpkt.pcapng.Reader(fh)
    return dpkt.pcap.Reader(fh)


def _ip_of(linktype: int, buf: bytes):
    if linktype == dpkt.pcap.DLT_EN10MB:
        return dpkt.ethernet.Ethernet(buf).data
    if linktype == 113:  # Linux cooked capture
        return dpkt.sll.SLL(buf).data
    if linktype == 276:  # Linux cooked v2
        return dpkt.sll2.SLL2(buf).data
    if linktype in (0, 108):  # BSD loopback: 4-byte family header
        return dpkt.ip.IP(buf[4:]) if buf[4] >> 4 == 4 else dpkt.ip6.IP6(buf[4:])
    if linktype in (12, 14, 101, 228, 229):  # raw IP
        return dpkt.ip.IP(buf) if buf[0] >> 4 == 4 else dpkt.ip6.IP6(buf)
    raise AudioFormatError(f"link type {linktype} is not supported (use Ethernet, Linux cooked or raw IP)")


def _addr(ip) -> str:
    fam = socket.AF_INET6 if isinstance(ip, dpkt.ip6.IP6) else socket.AF_INET
    return socket.inet_ntop(fam, ip.src)


def _sdp_media(payload: bytes) -> tuple[tuple[str, int] | None, set[int]]:
    text = payload.decode("latin-1", "replace")
    c = re.search(r"^c=IN IP[46] (\S+)", text, re.M)
    m = re.search(r"^m=audio (\d+)", text, re.M)
    events = {int(pt) for pt in re.findall(r"^a=rtpmap:(\d+) telephone-event", text, re.M)}
    return ((c.group(1), int(m.group(1))) if c and m else None), events


def _is_event(payload: bytes, pt: int, event_pts: set[int]) -> bool:
    if pt in event_pts:
        return True
    return 96 <= pt <= 127 and len(payload) in (4, 8, 12, 16) and payload[0] < 16


def read_call_pcap(path: Path) -> tuple[CallAudio, list[tuple[float, str]]]:
    """The caller's audio (8 kHz) and DTMF presses [(t, digit)] from a capture."""
    if not path.is_file() or path.stat().st_size == 0:
        raise AudioFormatError(f"{path.name}: no such file or empty")
    streams: dict[tuple, _Stream] = {}
    caller_addr: tuple[str, int] | None = None
    event_pts: set[int] = set()
    try:
        with path.open("rb") as fh:
            reader = _open(path, fh)
            link = reader.datalink()
            for t, buf in reader:
                try:
                    ip = _ip_of(link, buf)
                except (dpkt.UnpackError, IndexError, struct.error):
                    continue
                udp = getattr(ip, "data", None)
                if not isinstance(udp, dpkt.udp.UDP):
                    continue
                data = bytes(udp.data)
                src = (_addr(ip), udp.sport)
                if data[:7] == b"INVITE " and caller_addr is None:
                    caller_addr, pts = _sdp_media(data)
                    event_pts |= pts
                    continue
                if len(data) < 12 or data[0] >> 6 != 2 or 72 <= (data[1] & 0x7F) <= 76:
                    continue
                cc = data[0] & 0x0F
                seq, ts, ssrc = struct.unpack("!HII", data[2:12])
                pt = data[1] & 0x7F
                payload = data[12 + 4 * cc :]
                if data[0] & 0x20 and payload:  # padding
                    payload = payload[: -payload[-1]]
                key = (src, ssrc, pt)
                s = streams.setdefault(key, _Stream(src, pt, float(t)))
                s.packets.append((float(t), seq, ts, payload))
    except (ValueError, dpkt.NeedData, dpkt.UnpackError, struct.error) as exc:
        raise AudioFormatError(f"{path.name}: not a readable pcap/pcapng file ({exc})") from exc
    return _assemble(path, list(streams.values()), caller_addr, event_pts)


def _assemble(
    path: Path, streams: list[_Stream], caller: tuple[str, int] | None, event_pts: set[int]
) -> tuple[CallAudio, list[tuple[float, str]]]:
    events = [s for s in streams if _is_event(s.packets[0][3], s.pt, event_pts)]
    audio = [s for s in streams if s not in events]
    if not streams:
        raise AudioFormatError(f"{path.name}: holds no RTP packets")
    if caller is not None and any(s.src == caller for s in streams):
        audio = [s for s in audio if s.src == caller]
        events = [s for s in events if s.src == caller]
    audio.sort(key=lambda s: s.first_t)
    if audio and audio[0].pt not in (0, 8):
        name = _PT_NAMES.get(audio[0].pt, f"payload type {audio[0].pt}")
        raise AudioFormatError(f"{path.name}: RTP audio is {name}; only G.711 (PCMU/PCMA) is supported")
    main = audio[0] if audio else None
    if main is not None:
        events = [s for s in events if s.src == main.src] or events
    t0 = min([s.first_t for s in events] + ([main.first_t] if main else []))
    presses = _presses(events, t0)
    pcm = _decode(main, t0) if main else np.zeros(0, np.int16)
    end = max([len(pcm) / RATE] + [t + 1.0 for t, _ in presses])
    if len(pcm) < int(end * RATE):
        pcm = np.concatenate([pcm, np.zeros(int(end * RATE) - len(pcm), np.int16)])
    return CallAudio(pcm, RATE), presses


def _decode(s: _Stream, t0: float) -> np.ndarray:
    decode = ulaw_decode if s.pt == 0 else alaw_decode
    seen: set[int] = set()
    pieces: list[tuple[int, np.ndarray]] = []
    prev_ts, offset = s.packets[0][2], 0
    for _, seq, ts, payload in sorted(s.packets, key=lambda p: p[0]):
        if seq in seen or not payload:
            continue
        seen.add(seq)
        step = ((ts - prev_ts + 2**31) % 2**32) - 2**31
        offset += step
        prev_ts = ts
        if 0 <= offset < RATE * 3600:
            pieces.append((offset, decode(payload)))
    lead = round((s.first_t - t0) * RATE)
    n = lead + max((o + len(p) for o, p in pieces), default=0)
    out = np.zeros(n, np.int16)
    for o, p in pieces:
        out[lead + o : lead + o + len(p)] = p
    return out


def _presses(streams: list[_Stream], t0: float) -> list[tuple[float, str]]:
    first: dict[tuple[int, int], tuple[float, int]] = {}
    for s in streams:
        for t, _, ts, payload in s.packets:
            if len(payload) >= 4 and payload[0] < 16:
                first.setdefault((id(s), ts), (t, payload[0]))
    return sorted((round(t - t0, 3), EVENT_DIGITS[ev]) for t, ev in first.values())


def write_call_pcap(
    path: Path,
    pcm8k: np.ndarray,
    dtmf: list[tuple[float, str]] = (),  # type: ignore[assignment]
    *,
    law: str = "ulaw",
    src: tuple[str, int] = ("10.0.0.1", 6000),
    dst: tuple[str, int] = ("10.0.0.2", 6000),
    event_pt: int = 101,
    ssrc: int = 0x5EED1234,
    start: float = 1_700_000_000.0,
) -> Path:
    """One RTP stream of 20 ms G.711 frames, with RFC 4733 events replacing audio while a key is held."""
    encode, pt = (ulaw_encode, 0) if law == "ulaw" else (alaw_encode, 8)
    step = RATE // 50
    n_frames = (len(pcm8k) + step - 1) // step
    frames_of: dict[int, tuple[str, int, int]] = {}  # frame -> (digit, frame index in event, start ts)
    for t, digit in dtmf:
        f0 = round(t * 50)
        n_frames = max(n_frames, f0 + 12)
        for k in range(6):  # a 120 ms tone; its end packet is sent 3 times, as RFC 4733 advises
            frames_of.setdefault(f0 + k, (digit, k, f0 * step))
    pcm = np.zeros(n_frames * step, np.int16)
    pcm[: len(pcm8k)] = pcm8k[: len(pcm)]
    seq = 1000
    packets: list[tuple[float, bytes]] = []
    for i in range(n_frames):
        t = i * 0.02
        if i in frames_of:
            digit, k, ts0 = frames_of[i]
            reps = 3 if k == 5 else 1
            for _ in range(reps):
                end = k >= 5
                body = struct.pack("!BBH", EVENT_DIGITS.index(digit), (0x80 if end else 0) | 10, (k + 1) * step)
                hdr = struct.pack("!BBHII", 0x80, (0x80 if k == 0 else 0) | event_pt, seq & 0xFFFF, ts0, ssrc)
                packets.append((t, hdr + body))
                seq += 1
            continue
        hdr = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | pt, seq & 0xFFFF, (i * step) & 0xFFFFFFFF, ssrc)
        packets.append((t, hdr + encode(pcm[i * step : (i + 1) * step])))
        seq += 1
    return write_udp_pcap(path, packets, src, dst, start=start)


def write_udp_pcap(
    path: Path, packets: list[tuple[float, bytes]], src: tuple[str, int], dst: tuple[str, int], *,
    start: float = 1_700_000_000.0,
) -> Path:
    """An Ethernet/IPv4/UDP pcap of (seconds from `start`, UDP payload) packets, written with dpkt.
    sipp rewrites the addresses when it replays one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        w = dpkt.pcap.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB)
        for t, payload in packets:
            w.writepkt(_frame(payload, src, dst), start + t)
    return path


def _frame(payload: bytes, src: tuple[str, int], dst: tuple[str, int]) -> bytes:
    udp = dpkt.udp.UDP(sport=src[1], dport=dst[1], data=payload)
    udp.ulen = len(udp)
    ip = dpkt.ip.IP(src=socket.inet_aton(src[0]), dst=socket.inet_aton(dst[0]), p=dpkt.ip.IP_PROTO_UDP, data=udp)
    ip.len = len(ip)
    eth = dpkt.ethernet.Ethernet(src=b"\x02\x00\x00\x00\x00\x01", dst=b"\x02\x00\x00\x00\x00\x02", data=ip)
    return bytes(eth)
