"""Calls from a small Python UAC that records the gateway's RTP: spoken answers, barge-in, 486."""

from __future__ import annotations

import numpy as np
import pytest
from siphelpers import NUMBER, Gateway
from sipprobe import SipProbe

pytestmark = pytest.mark.slow
VOICED = 300.0  # RMS of a frame that carries speech (silence decodes to ~0)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where mask is True."""
    out, start = [], None
    for i, v in enumerate([*mask.tolist(), False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    return out


def test_barge_in_cuts_the_greeting_and_the_question_is_answered(gateway: Gateway, question_pcm: np.ndarray) -> None:
    gateway.wait_idle()
    before = len(gateway.records())
    speak_at = 2.0  # the greeting lasts ~6 s; the caller talks over it
    pcm = np.concatenate([np.zeros(int(speak_at * 8000), np.int16), question_pcm])
    probe = SipProbe("127.0.0.1", gateway.sip_port)
    try:
        assert probe.invite(NUMBER) == 200
        res = probe.converse(pcm, hold_s=12.0)
    finally:
        probe.close()
    t = np.array([r[0] for r in res.rx])
    voiced = res.energy() > VOICED
    assert voiced[t < speak_at].mean() > 0.5, "the greeting is playing before the caller speaks"
    # the first silence run that starts after the caller began: the cut
    frames = question_pcm[: len(question_pcm) // 160 * 160].reshape(-1, 160).astype(np.float64)
    onset = speak_at + int(np.argmax(np.sqrt((frames**2).mean(axis=1)) > VOICED)) * 0.02  # first voiced frame
    cut = next((t[s] for s, e in runs(~voiced) if t[s] > speak_at and t[min(e, len(t) - 1)] - t[s] > 0.3), None)
    assert cut is not None, f"no pause in the bot audio after the caller spoke: {np.round(res.energy()[::25])}"
    latency_ms = (cut - onset) * 1000.0
    print(f"barge-in cut latency (caller speech onset → bot RTP silent): {latency_ms:.0f} ms")
    assert cut < onset + 1.0, f"bot audio went on for {latency_ms:.0f} ms after the caller spoke"
    after = t > speak_at + len(question_pcm) / 8000 + 0.3
    assert voiced[after].sum() > 25, "a spoken answer (≥0.5 s of voiced RTP) comes back after the question"
    assert res.lost() == 0
    (rec,) = gateway.wait_records(before + 1)[before:]
    assert rec["barge_ins"] >= 1 and rec["sip"]["flushes"]
    gateway.wait_idle()


def test_fifth_call_gets_486_when_the_process_is_full(gateway: Gateway) -> None:
    gateway.wait_idle()
    held = [SipProbe("127.0.0.1", gateway.sip_port) for _ in range(4)]
    extra = SipProbe("127.0.0.1", gateway.sip_port)
    try:
        assert [p.invite(NUMBER) for p in held] == [200] * 4
        assert extra.invite(NUMBER) == 486
    finally:
        for p in held:
            p.converse(np.zeros(160, np.int16), hold_s=0.02)  # BYE
            p.close()
        extra.close()
    gateway.wait_idle()


def test_sip_info_dtmf_is_a_digit(gateway: Gateway) -> None:
    gateway.wait_idle()
    before = len(gateway.records())
    probe = SipProbe("127.0.0.1", gateway.sip_port)
    try:
        assert probe.invite(NUMBER) == 200
        probe.converse(np.zeros(160, np.int16), hold_s=0.5, hangup=False)
        probe.info_dtmf("5")
        probe.converse(np.zeros(160, np.int16), hold_s=1.0)
    finally:
        probe.close()
    (rec,) = gateway.wait_records(before + 1)[before:]
    assert rec["sip"]["dtmf"] == [["x", "info"]]  # one SIP INFO key press; --call-log never keeps digits
    gateway.wait_idle()


def test_test_headers_are_read_from_the_invite_head_only() -> None:
    from voicebot.transports.sip.headers import test_headers

    invite = (
        "INVITE sip:4512345678@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062\r\n"
        "X-Voicebot-Test-Id: suite-001\r\nx-voicebot-test-at:2026-12-24T10:00:00+01:00\r\n"
        "X-Voicebot-Test-Dialplan: \r\nContent-Type: application/sdp\r\n\r\n"
        "v=0\r\nX-Voicebot-Test-Dialplan: odder\r\n"
    )
    assert test_headers(invite) == {"id": "suite-001", "at": "2026-12-24T10:00:00+01:00"}
    assert test_headers("INVITE sip:x@y SIP/2.0\r\n\r\n") == {}
