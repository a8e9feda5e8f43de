"""Graceful drain on SIGTERM, and a clear start-up error when the SIP port is taken.

SIGTERM with two calls up: a new INVITE gets 503 at once, both callers get a BYE when the grace
period ends, the process exits 0, and both records are in the database and the call log."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from siphelpers import NUMBER, free_port, kill_group, start_serve
from sipprobe import ProbeResult, SipProbe

from voicebot.calls.store import CallStore

pytestmark = pytest.mark.slow
GRACE_S = 3.0


def _quiet_dialplan(agent_port: int) -> str:
    return f"""schema: 1
kommune: Testkommune
numbers: ["+{NUMBER}"]
greeting: "Goddag."
transfer:
  queues: {{default: "sip:agent@127.0.0.1:{agent_port}"}}
reprompts: {{no_input_timeout_s: 60, max_no_input: 1}}
"""


def test_sigterm_drains_calls_and_writes_every_record(tmp_path: Path) -> None:
    sip_port, http_port = free_port(), free_port()
    (tmp_path / "dialplans").mkdir()
    (tmp_path / "dialplans" / "t.yaml").write_text(_quiet_dialplan(free_port()), encoding="utf-8")
    call_log = tmp_path / "calls.jsonl"
    proc = start_serve(tmp_path, ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans",
                                  str(tmp_path / "dialplans"), "--call-log", str(call_log),
                                  "--drain-grace", str(GRACE_S)], "SIP ready")  # fmt: skip
    probes = [SipProbe("127.0.0.1", sip_port, local=f"127.0.0.{i + 1}") for i in range(2)]
    results: list[ProbeResult] = []
    try:
        assert [p.invite(NUMBER) for p in probes] == [200, 200]
        threads = [threading.Thread(target=lambda p=p: results.append(
            p.converse(np.zeros(160, np.int16), hold_s=30.0, hangup=False))) for p in probes]  # fmt: skip
        for t in threads:
            t.start()
        time.sleep(1.5)
        t_term = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        time.sleep(0.5)
        late = SipProbe("127.0.0.1", sip_port, local="127.0.0.3")
        try:
            assert late.invite(NUMBER) == 503, "a new call during the drain is refused"
        finally:
            late.close()
        for t in threads:
            t.join(GRACE_S + 20)
        assert len(results) == 2 and all(r.bye_from_gateway for r in results), "each caller gets a BYE"
        assert time.monotonic() - t_term >= GRACE_S - 0.5, "calls may go on for the grace period"
        assert proc.wait(30) == 0
    finally:
        for p in probes:
            p.close()
        kill_group(proc)
    recs = [json.loads(line) for line in call_log.read_text().splitlines()]
    assert len(recs) == 2 and all(r["end_reason"] == "shutdown" for r in recs), recs
    store = CallStore(f"sqlite:///{tmp_path / 'calls.db'}")
    try:
        saved = [store.get(r["call_id"]) for r in recs]
    finally:
        store.close()
    assert all(s is not None and not s["live"] and s["end_reason"] == "shutdown" for s in saved), saved


def test_sip_port_in_use_is_a_clear_error_and_exit_2(tmp_path: Path) -> None:
    port = free_port()
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", port))
    try:
        env = {**os.environ, "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
        cmd = [sys.executable, "-m", "voicebot.cli", "serve", "--sip-port", str(port), "--http-port", "0"]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    finally:
        holder.close()
    assert res.returncode == 2, res.stderr[-2000:]
    assert f"cannot listen for SIP on 127.0.0.1:{port}" in res.stderr
    assert "Assertion" not in res.stderr and "Traceback" not in res.stderr


def test_max_call_length_from_the_dialplan_ends_the_call_politely(tmp_path: Path) -> None:
    sip_port, http_port = free_port(), free_port()
    (tmp_path / "dialplans").mkdir()
    plan = _quiet_dialplan(free_port()) + "max_call_s: 12\n"
    (tmp_path / "dialplans" / "t.yaml").write_text(plan, encoding="utf-8")
    call_log = tmp_path / "calls.jsonl"
    proc = start_serve(tmp_path, ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans",
                                  str(tmp_path / "dialplans"), "--call-log", str(call_log)], "SIP ready")  # fmt: skip
    probe = SipProbe("127.0.0.1", sip_port)
    try:
        assert probe.invite(NUMBER) == 200
        res = probe.converse(np.zeros(160, np.int16), hold_s=40.0, hangup=False)
    finally:
        probe.close()
        kill_group(proc)
    assert res.bye_from_gateway, "the gateway ends the call"
    t_bye = res.sent[-1]
    assert 12.0 <= t_bye < 25.0, t_bye
    voiced = [t for t, e in zip([t for t, _ in res.rx], res.energy(), strict=True) if e > 300 and t > 11.5]
    assert voiced and voiced[-1] - voiced[0] > 1.0, "the goodbye is heard before the BYE"
    (rec,) = [json.loads(x) for x in call_log.read_text().splitlines()]
    assert rec["end_reason"] == "max_call_length"
