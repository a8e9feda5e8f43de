"""pcap/pcapng recordings: the shipped SIPp captures, and round trips of what --over-sip sends."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import dpkt
import numpy as np
import pytest

from voicebot.audio.g711 import telephone_band
from voicebot.errors import AudioFormatError
from voicebot.suite.pcap import read_call_pcap, write_call_pcap

DIGITS = {**{str(d): str(d) for d in range(10)}, "star": "*", "pound": "#"}


@pytest.mark.parametrize("name", sorted(DIGITS))
def test_sipp_rfc2833_captures_give_one_press_each(corpus: Path, name: str) -> None:
    audio, dtmf = read_call_pcap(corpus / "sip_calls/sipp/pcap" / f"dtmf_2833_{name}.pcap")
    assert dtmf == [(0.0, DIGITS[name])]  # 10 packets (3 end repeats) are one press
    assert audio.sample_rate == 8000 and audio.duration >= 1.0


def test_sipp_g711a_capture_decodes_to_speech_length_audio(corpus: Path) -> None:
    audio, dtmf = read_call_pcap(corpus / "sip_calls/sipp/pcap/g711a.pcap")
    assert dtmf == []
    assert audio.duration == pytest.approx(7.05, abs=0.1)  # 236 packets over 7.05 s: gaps are silence
    rms = np.sqrt(np.mean(audio.pcm.astype(np.float64) ** 2)) / 32768
    assert 0.02 < rms < 0.2


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(int(8000 * seconds)) / 8000
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_written_pcap_reads_back_audio_and_dtmf(tmp_path: Path, law: str) -> None:
    pcm = _tone(3.0)
    path = write_call_pcap(tmp_path / "c.pcap", pcm, [(1.0, "5"), (2.2, "#")], law=law)
    audio, dtmf = read_call_pcap(path)
    assert dtmf == [(1.0, "5"), (2.2, "#")]
    assert audio.duration == pytest.approx(3.2, abs=0.05)  # padded to 1 s after the last press
    ref = telephone_band(pcm, law)
    keep = np.r_[0:7600, 9200:17000]  # frames outside the key presses carry audio
    assert np.abs(audio.pcm[keep].astype(int) - ref[keep]).max() <= 1
    assert not audio.pcm[8000:8800].any()  # while a key is held, events replace audio


def test_caller_stream_is_chosen_from_the_invite_sdp(tmp_path: Path) -> None:
    # Two directions in one capture: the bot's stream starts first, the INVITE names the caller's.
    bot = write_call_pcap(tmp_path / "b.pcap", _tone(1.0) // 4, src=("10.0.0.2", 7000), dst=("10.0.0.1", 6000))
    caller = write_call_pcap(tmp_path / "c.pcap", _tone(1.0), [(0.5, "0")], start=1_700_000_000.5)
    sdp = b"v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 6000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
    invite = b"INVITE sip:bot@10.0.0.2 SIP/2.0\r\nContent-Type: application/sdp\r\n\r\n" + sdp
    merged = tmp_path / "call.pcap"
    with merged.open("wb") as fh:
        w = dpkt.pcap.Writer(fh)
        udp = dpkt.udp.UDP(sport=5060, dport=5060, data=invite)
        udp.ulen = len(udp)
        ip = dpkt.ip.IP(src=b"\x0a\x00\x00\x01", dst=b"\x0a\x00\x00\x02", p=17, data=udp)
        ip.len = len(ip)
        w.writepkt(bytes(dpkt.ethernet.Ethernet(data=ip)), 1_699_999_999.0)
        pkts = [(t, b) for p in (bot, caller) for t, b in dpkt.pcap.Reader(p.open("rb"))]
        for t, b in sorted(pkts, key=lambda x: x[0]):
            w.writepkt(b, t)
    audio, dtmf = read_call_pcap(merged)
    assert dtmf == [(0.5, "0")]
    loud = np.abs(audio.pcm[:3000].astype(int)).max()
    assert loud > 6000  # the caller's full-scale tone, not the quiet bot stream


@pytest.mark.skipif(shutil.which("editcap") is None, reason="editcap (tshark) is in the Makefile's APT_TEST")
def test_pcapng_is_read_too(tmp_path: Path) -> None:
    src = write_call_pcap(tmp_path / "c.pcap", _tone(1.0), [(0.4, "7")])
    ng = tmp_path / "c.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(src), str(ng)], check=True)
    assert ng.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    audio, dtmf = read_call_pcap(ng)
    assert dtmf == [(0.4, "7")] and audio.duration == pytest.approx(1.4, abs=0.05)


def test_unreadable_and_unsupported_captures(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"not a capture at all, just text")
    with pytest.raises(AudioFormatError, match=re.escape("junk.pcap")):
        read_call_pcap(junk)
    empty = tmp_path / "empty.pcap"
    with empty.open("wb") as fh:
        dpkt.pcap.Writer(fh)
    with pytest.raises(AudioFormatError, match="no RTP"):
        read_call_pcap(empty)
    g722 = tmp_path / "g722.pcap"
    with g722.open("wb") as fh:
        w = dpkt.pcap.Writer(fh)
        for i in range(5):
            rtp = (
                bytes([0x80, 9])
                + i.to_bytes(2, "big")
                + (160 * i).to_bytes(4, "big")
                + b"\x00\x00\x00\x01"
                + b"\x55" * 160
            )
            udp = dpkt.udp.UDP(sport=4000, dport=4002, data=rtp)
            udp.ulen = len(udp)
            ip = dpkt.ip.IP(src=b"\x01\x01\x01\x01", dst=b"\x02\x02\x02\x02", p=17, data=udp)
            ip.len = len(ip)
            w.writepkt(bytes(dpkt.ethernet.Ethernet(data=ip)), 1.0 + i * 0.02)
    with pytest.raises(AudioFormatError, match="G722"):
        read_call_pcap(g722)
