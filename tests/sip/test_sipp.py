"""Real SIP calls from sipp to `voicebot serve` on loopback (pcap = espeak Danish + RFC 4733)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from siphelpers import Gateway, call_pcap, free_port, kill_group, run_sipp, scenario, sipp_log

pytestmark = pytest.mark.slow


def target(gw: Gateway) -> str:
    return f"127.0.0.1:{gw.sip_port}"


def new_records(gw: Gateway, before: int, n: int = 1) -> list[dict]:
    return gw.wait_records(before + n)[before:]


def test_options_answered(gateway: Gateway, tmp_path: Path) -> None:
    res = run_sipp(scenario(tmp_path, "options.xml"), target(gateway), timeout=10)
    assert res.returncode == 0, sipp_log(tmp_path / "options.xml")


def test_question_answered_then_caller_hangs_up(gateway: Gateway, tmp_path: Path, question_pcm: np.ndarray) -> None:
    before = len(gateway.records())
    pcap = call_pcap(tmp_path / "q.pcap", [(5.5, question_pcm)])
    sc = scenario(tmp_path, "caller_bye.xml", pcap=pcap, pause_ms=11000)
    res = run_sipp(sc, target(gateway), timeout=30)
    assert res.returncode == 0, sipp_log(sc)
    (rec,) = new_records(gateway, before)
    assert rec["dialplan"] == "testkommune" and rec["kommune"] == "Testkommune"
    speakers = [t["speaker"] for t in rec["turns"]]
    assert speakers[:3] == ["bot", "caller", "bot"], rec["turns"]  # greeting, question, reply
    assert rec["response_gaps_ms"], rec
    assert rec["end_reason"] == "caller_hangup"
    assert rec["sip"]["codec"].startswith("PCMU") and rec["sip"]["rx_dropped"] == 0
    gateway.wait_idle()


def test_dtmf0_refers_to_agent_with_context_headers(gateway: Gateway, tmp_path: Path) -> None:
    before = len(gateway.records())
    pcap = call_pcap(tmp_path / "d.pcap", [], dtmf=[(1.5, "0")], total_s=3.0)
    sc = scenario(tmp_path, "dtmf_refer.xml", pcap=pcap)
    res = run_sipp(sc, target(gateway), timeout=40)
    log = sipp_log(sc)
    assert res.returncode == 0, log  # sipp checked Refer-To and every X-Voicebot header (check_it)
    (rec,) = new_records(gateway, before)
    assert rec["sip"]["dtmf"] == [["x", "rfc4733"]]  # the digit was 0: the REFER below; no digits in --call-log
    assert rec["outcome"] == "transferred" and rec["transfer_via"] == "refer"
    assert f"X-Voicebot-Call-Id: {rec['call_id']}" in log
    # the agent desktop sees the same context
    api = gateway.get(f"/api/calls/{rec['call_id']}")
    assert api is not None and api["outcome"] == "transferred" and api["handover"]["kommune"] == "Testkommune"
    gateway.wait_idle()


def test_refused_refer_bridges_a_new_call_to_the_agent(gateway: Gateway, tmp_path: Path) -> None:
    before = len(gateway.records())
    agent_sc = scenario(tmp_path, "agent_uas.xml")
    agent = subprocess.Popen(
        ["sipp", "-sf", str(agent_sc), "-i", "127.0.0.1", "-p", str(gateway.agent_port), "-mp", str(free_port()),
         "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_msg", "-message_file",
         str(agent_sc.with_suffix(".msg")), "-trace_err", "-error_file", str(agent_sc.with_suffix(".err"))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd=tmp_path,
    )
    try:
        pcap = call_pcap(tmp_path / "d.pcap", [], dtmf=[(1.5, "0")], total_s=3.0)
        sc = scenario(tmp_path, "refer_refused.xml", pcap=pcap)
        res = run_sipp(sc, target(gateway), timeout=40)
        assert res.returncode == 0, sipp_log(sc)
        assert agent.wait(20) == 0, sipp_log(agent_sc)  # the agent got the X-Voicebot headers (check_it)
    finally:
        kill_group(agent)
    (rec,) = new_records(gateway, before)
    assert rec["outcome"] == "transferred" and rec["transfer_via"] == "bridge" and rec["sip"]["bridged"]
    gateway.wait_idle()


def test_cancel_while_ringing_leaves_nothing_behind(gateway: Gateway, tmp_path: Path) -> None:
    res = run_sipp(scenario(tmp_path, "cancel.xml", pcap="unused"), target(gateway), timeout=10)
    assert res.returncode == 0, sipp_log(tmp_path / "cancel.xml")
    gateway.wait_idle()


@pytest.mark.parametrize(("pt", "codec"), [(18, "G729/8000"), (9, "G722/8000")])
def test_unsupported_codec_gets_488(gateway: Gateway, tmp_path: Path, pt: int, codec: str) -> None:
    res = run_sipp(scenario(tmp_path, "codec488.xml", pcap="unused", pt=pt, codec=codec), target(gateway), timeout=10)
    assert res.returncode == 0, sipp_log(tmp_path / "codec488.xml")
    gateway.wait_idle()


def test_no_input_hangs_up_after_reprompts(gateway: Gateway, tmp_path: Path) -> None:
    before = len(gateway.records())
    pcap = call_pcap(tmp_path / "s.pcap", [], total_s=1.0)
    sc = scenario(tmp_path, "gateway_bye.xml", pcap=pcap)
    res = run_sipp(sc, target(gateway), timeout=45)
    assert res.returncode == 0, sipp_log(sc)  # the gateway sent the BYE
    (rec,) = new_records(gateway, before)
    assert rec["end_reason"] == "bot_hangup" and rec["outcome"] == "abandoned"
    gateway.wait_idle()
