"""`--over-sip HOST:PORT`: each recording as a real SIP call against a running gateway.

sipp places the call (INVITE with `X-Voicebot-Test-Id`/`-Test-At` headers, SDP offering PCMU and
telephone-event). The media is ours: the SDP names a socket that sends the generated pcap of
the recording (G.711 audio plus RFC 4733 DTMF), paced by its timestamps from the first bot RTP
packet on, and receives the bot's RTP. One socket both ways keeps symmetric-RTP latching happy
(sipp's `play_pcap_audio` sends from another port, and the gateway then latched away from us).
The call record is fetched from `GET /api/calls/{id}`. Gaps measured from the captured RTP are
added as `rtp_gaps_ms`; they disagree with the gateway's own `response_gaps_ms` (≈0.2 s vs 3.3 s
on one call) and are not yet trusted, so expectations are checked against the gateway's figures.

Calls run one at a time: the record is the one call that appeared in `GET /api/calls` during
the call (or the one whose record carries the test id, if the gateway stores it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dpkt
import httpx
import numpy as np

from voicebot.audio.g711 import alaw_decode, ulaw_decode
from voicebot.audio.resample import resample
from voicebot.errors import InputError, TransportError, VoicebotError
from voicebot.suite.cases import Case, Suite, load_recording
from voicebot.suite.pcap import write_call_pcap
from voicebot.suite.results import CallResult, judge, start_result

RATE = 8000
TAIL_S = 12.0  # the caller stays on the line this long after the recording, for the bot's reply
# sipp answers to the gateway's requests, and the dialog headers of our own in-dialog requests
_ANSWER = """SIP/2.0 {status}
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
"""
_IN_DIALOG = """From: <sip:{test_id}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>;tag=[$rtag]
[routes]
Call-ID: [call_id]
"""
SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="voicebot suite call">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{test_id}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:{test_id}@[local_ip]:[local_port]
Max-Forwards: 70
X-Voicebot-Test-Id: {test_id}
X-Voicebot-Test-At: {test_at}
X-Voicebot-Test-Dialplan: {test_dialplan}
Content-Type: application/sdp
Content-Length: [len]

v=0
o=suite 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio {rtp_port} RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true" rrs="true">
    <action><ereg regexp="tag=([^;> ]+)" search_in="hdr" header="To:" assign_to="junk,rtag"/></action>
  </recv>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
""" + _IN_DIALOG + """CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv request="REFER" optional="true" next="refer"/>
  <recv request="BYE" timeout="{wait_ms}" ontimeout="hangup"/>
  <send next="end"><![CDATA[
""" + _ANSWER.format(status="200 OK") + """]]></send>
  <label id="refer"/>
  <send><![CDATA[
""" + _ANSWER.format(status="202 Accepted") + """]]></send>
  <!-- as a phone does once it has reached the transfer target: report 200 in a sipfrag NOTIFY -->
  <send retrans="500"><![CDATA[
NOTIFY [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
""" + _IN_DIALOG + """CSeq: 3 NOTIFY
Contact: sip:{test_id}@[local_ip]:[local_port]
Event: refer
Subscription-State: terminated;reason=noresource
Max-Forwards: 70
Content-Type: message/sipfrag;version=2.0
Content-Length: [len]

SIP/2.0 200 OK
]]></send>
  <recv response="200" optional="true"/>
  <recv request="BYE" timeout="15000" ontimeout="hangup"/>
  <send next="end"><![CDATA[
""" + _ANSWER.format(status="200 OK") + """]]></send>
  <label id="hangup"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
""" + _IN_DIALOG + """CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200" optional="true" timeout="3000" ontimeout="end"/>
  <label id="end"/>
  <Reference variables="junk"/>
</scenario>
"""


def parse_target(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--over-sip {value!r}: give HOST:PORT, e.g. 127.0.0.1:5060")
    return host, int(port)


class RtpCapture:
    """Receives the bot's RTP on a socket of ours until stopped; decodes by RTP timestamp."""

    def __init__(self, ip: str, send: list[tuple[float, bytes]] | None = None) -> None:
        self.send = send or []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.packets: list[tuple[float, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(2048)
            except TimeoutError:
                continue
            if not self.packets and self.send:  # media is up: start the caller's side
                threading.Thread(target=self._play, args=(addr, time.monotonic()), daemon=True).start()
            self.packets.append((time.monotonic(), data))

    def _play(self, addr: tuple[str, int], t0: float) -> None:
        for t, payload in self.send:
            delay = t0 + t - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            try:
                self.sock.sendto(payload, addr)
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()

    def audio(self) -> tuple[np.ndarray, float | None]:
        """Bot PCM on the caller's timeline (0 = first bot packet), and that packet's arrival time."""
        rtp = [(t, d) for t, d in self.packets if len(d) > 12 and d[0] >> 6 == 2 and (d[1] & 0x7F) in (0, 8)]
        if not rtp:
            return np.zeros(0, np.int16), None
        # Placed by arrival time: a gateway that sends nothing while silent may not advance its
        # RTP timestamps across the pause, so timestamps alone would squeeze the bot's silences out.
        t0 = rtp[0][0]
        pieces = []
        for t, d in rtp:
            off = round((t - t0) * 50) * 160
            pieces.append((off, (ulaw_decode if d[1] & 0x7F == 0 else alaw_decode)(d[12:])))
        out = np.zeros(max(o + len(p) for o, p in pieces), np.int16)
        for o, p in pieces:
            out[o : o + len(p)] = p
        return out, rtp[0][0]


def _active(pcm: np.ndarray, threshold: float = 300.0) -> np.ndarray:
    frames = len(pcm) // 160
    x = pcm[: frames * 160].astype(np.float64).reshape(frames, 160)
    return np.sqrt((x**2).mean(axis=1)) > threshold


def rtp_gaps_ms(caller: np.ndarray, bot: np.ndarray, min_pause_s: float = 0.5) -> list[float]:
    """End of each caller utterance → first bot audio after it (before the caller speaks again)."""
    c, b = _active(caller), _active(bot)
    gaps, hang = [], int(min_pause_s * 50)
    i = 0
    while i < len(c):
        if c[i] and (i + 1 >= len(c) or not c[i + 1 : i + 1 + hang].any()):
            nxt = next((k for k in range(i + 1, len(c)) if c[k]), len(c) + 10**6)
            onset = next((k for k in range(i + 1, min(len(b), nxt)) if b[k] and not b[k - 1]), None)
            if onset is not None:
                gaps.append(round((onset - i) * 20.0, 1))
        i += 1
    return gaps


def _auth() -> dict[str, str]:
    """The gateway's call records need a viewer token (VOICEBOT_API_TOKEN)."""
    from voicebot.config import load_settings

    token = load_settings().api_token
    return {"Authorization": f"Bearer {token}"} if token else {}


def _recent_ids(api: str) -> set[str]:
    r = httpx.get(f"{api}/api/calls", params={"limit": 200}, timeout=10, headers=_auth())
    r.raise_for_status()
    return {c["call_id"] for c in r.json().get("calls", [])}


def _fetch_record(api: str, before: set[str], test_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # A gateway run with --test-headers files the record under the test's own id.
        direct = httpx.get(f"{api}/api/calls/{test_id}", timeout=10, headers=_auth())
        if direct.status_code == 200 and not direct.json().get("live"):
            return direct.json()
        new = _recent_ids(api) - before
        for cid in sorted(new):
            rec = httpx.get(f"{api}/api/calls/{cid}", timeout=10, headers=_auth()).json()
            if test_id in str(rec) or len(new) == 1:
                return rec
        time.sleep(0.5)
    raise TransportError(f"the gateway at {api} stored no call record for this call")


def place_call(case: Case, host: str, port: int, api: str, workdir: Path, keep_audio: bool) -> CallResult:
    result = start_result(case)
    if result.error:
        return result
    assert case.spec is not None
    t0 = time.perf_counter()
    try:
        rec = load_recording(case)
        caller = resample(rec.audio.pcm, rec.audio.sample_rate, RATE)
        local_ip = "127.0.0.1" if host in ("127.0.0.1", "localhost") else socket.gethostbyname(socket.gethostname())
        test_id = f"suite-{case.name}"[:60]
        pcap = write_call_pcap(workdir / f"{case.name}.pcap", caller, rec.dtmf, src=(local_ip, 6000))
        with pcap.open("rb") as fh:
            sent = [(float(t), bytes(dpkt.ethernet.Ethernet(b).data.data.data)) for t, b in dpkt.pcap.Reader(fh)]
        capture = RtpCapture(local_ip, [(t - sent[0][0], d) for t, d in sent])
        wait_ms = int((len(caller) / RATE + TAIL_S) * 1000)
        at = case.spec.at.isoformat() if case.spec.at else ""
        scen = workdir / f"{case.name}.xml"
        scen.write_text(SCENARIO.format(test_id=test_id, test_at=at, test_dialplan=case.spec.dialplan or "",
                                        rtp_port=capture.port, wait_ms=wait_ms))  # fmt: skip
        before = _recent_ids(api)
        cmd = ["sipp", f"{host}:{port}", "-sf", str(scen), "-m", "1", "-l", "1", "-i", local_ip, "-p", "0",
               "-s", case.spec.number or "voicebot", "-timeout", f"{wait_ms // 1000 + 30}s", "-nostdin"]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir, timeout=wait_ms / 1000 + 60)
        finally:
            capture.stop()
        bot, first = capture.audio()
        if first is None:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"sipp exit {proc.returncode}"]
            raise TransportError(f"no RTP from the gateway ({tail[0]})")
        record = _fetch_record(api, before, test_id)
    except (VoicebotError, httpx.HTTPError, subprocess.TimeoutExpired, OSError) as exc:
        result.error = f"{case.name}: over SIP: {exc}"
        result.wall_s = time.perf_counter() - t0
        return result
    result.wall_s = time.perf_counter() - t0
    result.audio_s = max(len(caller), len(bot)) / RATE
    record = {**record, "rtp_gaps_ms": rtp_gaps_ms(caller, bot)}  # checks use the gateway's own gaps (see note)
    if keep_audio:
        result.caller_audio, result.bot_audio = caller, bot
    return judge(case, result, record)


def run_over_sip(
    suite: Suite,
    target: tuple[str, int],
    *,
    api: str | None = None,
    jobs: int = 1,
    keep_audio: bool = False,
    progress: bool = True,
    on_result: Callable[[CallResult], None] | None = None,
) -> list[CallResult]:
    if shutil.which("sipp") is None:
        raise InputError("--over-sip needs sipp on PATH (Debian package sip-tester)")
    host, port = target
    api = (api or f"http://{host}:8080").rstrip("/")
    try:
        _recent_ids(api)
    except httpx.HTTPError as exc:
        raise InputError(f"--over-sip: the gateway's API at {api} does not answer ({exc}); set --api") from exc
    results = []
    with tempfile.TemporaryDirectory(prefix="voicebot-suite-") as tmp:
        for case in suite.cases:  # one at a time: records are matched by what appeared during the call
            r = place_call(case, host, port, api, Path(tmp), keep_audio)
            results.append(r)
            if on_result:
                on_result(r)
    return results
