"""Faults a live gateway must survive, over real SIP on loopback:
- a broken dialplan written while serving: refused, the old plan answers the next call;
- a SIP worker killed with SIGKILL behind Kamailio: new calls go to the other worker, and the
  supervisor restarts the dead one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from siphelpers import (
    API_HEADERS,
    NUMBER,
    call_pcap,
    consecutive_free_ports,
    dialplan_yaml,
    free_port,
    kill_group,
    run_sipp,
    scenario,
    sipp_log,
    start_serve,
)
from sipprobe import SipProbe

pytestmark = pytest.mark.slow


def _greeting_of_a_call(port: int, call_log: Path) -> str:
    before = len(call_log.read_text().splitlines()) if call_log.exists() else 0
    probe = SipProbe("127.0.0.1", port)
    try:
        assert probe.invite(NUMBER) == 200
        probe.converse(np.zeros(160, np.int16), hold_s=1.0)
    finally:
        probe.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lines = call_log.read_text().splitlines() if call_log.exists() else []
        if len(lines) > before:
            return json.loads(lines[before])["turns"][0]["text"]
        time.sleep(0.2)
    raise AssertionError("no call record")


def test_broken_dialplan_reload_keeps_the_old_plan(tmp_path: Path) -> None:
    sip_port, http_port, agent = free_port(), free_port(), free_port()
    plans = tmp_path / "dialplans"
    plans.mkdir()
    good = dialplan_yaml(agent)
    (plans / "testkommune.yaml").write_text(good, encoding="utf-8")
    call_log = tmp_path / "calls.jsonl"
    proc = start_serve(tmp_path, ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans",
                                  str(plans), "--call-log", str(call_log)], "SIP ready")  # fmt: skip
    try:
        first = _greeting_of_a_call(sip_port, call_log)
        assert first.startswith("Goddag, du har ringet til Testkommune")
        (plans / "testkommune.yaml").write_text(good.replace("reprompts: {", "reprompts: [{"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while "testkommune" not in (tmp_path / "serve.log").read_text().split("dialplans loaded")[-1]:
            assert time.monotonic() < deadline, "the broken file was not noticed"
            time.sleep(0.3)
        time.sleep(0.5)
        assert proc.poll() is None, "the gateway must keep running"
        assert _greeting_of_a_call(sip_port, call_log) == first, "the old plan answers"
        (plans / "testkommune.yaml").write_text(good.replace("Goddag, du har", "Hej, du har"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while True:
            greeting = _greeting_of_a_call(sip_port, call_log)
            if greeting.startswith("Hej"):
                break
            assert time.monotonic() < deadline, "a fixed file applies to new calls"
    finally:
        kill_group(proc)


def sip_status(http_port: int) -> urllib.request.Request:
    """The supervisor's status (it needs a viewer token, as every call-data route does)."""
    return urllib.request.Request(f"http://127.0.0.1:{http_port}/api/sip/status", headers=API_HEADERS)


def test_worker_killed_behind_kamailio_new_calls_go_to_the_other(tmp_path: Path) -> None:
    kamailio = shutil.which("kamailio") or "/usr/sbin/kamailio"
    proxy_port, first_worker, http_port = free_port(), consecutive_free_ports(2), free_port()
    (tmp_path / "dialplans").mkdir()
    (tmp_path / "dialplans" / "testkommune.yaml").write_text(dialplan_yaml(free_port()), encoding="utf-8")
    kdir = tmp_path / "kamailio"
    subprocess.run([sys.executable, "-m", "voicebot.cli", "kamailio-config", "--out", str(kdir), "--listen",
                    f"127.0.0.1:{proxy_port}", "--workers", "2", "--worker-port", str(first_worker),
                    "--branch-timeout-ms", "3000"], check=True, capture_output=True, timeout=30)  # fmt: skip
    call_log = tmp_path / "calls.jsonl"
    serve = start_serve(tmp_path, ["--workers", "2", "--sip-port", str(first_worker), "--http-port", str(http_port),
                                   "--dialplans", str(tmp_path / "dialplans"), "--call-log", str(call_log)],
                        "SIP ready", timeout=120)  # fmt: skip
    proxy = None
    try:
        deadline = time.monotonic() + 120
        while (tmp_path / "serve.log").read_text().count("SIP ready") < 2:
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.3)
        proxy = subprocess.Popen([kamailio, "-DD", "-E", "-f", str(kdir / "kamailio.cfg"), "-P",
                                  str(tmp_path / "k.pid"), "-Y", str(tmp_path)],
                                 stdout=(tmp_path / "kamailio.log").open("wb"), stderr=subprocess.STDOUT,
                                 start_new_session=True)  # fmt: skip
        time.sleep(3)
        with urllib.request.urlopen(sip_status(http_port), timeout=5) as r:
            workers = json.loads(r.read())["workers"]
        victim = workers[0]
        os.kill(victim["pid"], signal.SIGKILL)
        pcap = call_pcap(tmp_path / "s.pcap", [], total_s=1.0)
        sc = scenario(tmp_path, "caller_bye.xml", pcap=pcap, pause_ms=2000)
        # A worker that comes back mid-test may still send a 180 for a branch Kamailio already gave
        # to the other worker; sipp ignores such a stray provisional instead of aborting the call.
        res = run_sipp(sc, f"127.0.0.1:{proxy_port}", calls=3, limit=1, rate=1, timeout=60,
                       extra=["-default_behaviors", "all,-abortunexp"])
        klog = (tmp_path / "kamailio.log").read_text(errors="replace")[-3000:]
        assert res.returncode == 0, sipp_log(sc) + klog
        deadline = time.monotonic() + 20
        recs: list[dict] = []
        while len(recs) < 3 and time.monotonic() < deadline:
            recs = [json.loads(x) for x in call_log.read_text().splitlines()] if call_log.exists() else []
            time.sleep(0.3)
        assert len(recs) == 3  # every call was served: none went to the dead worker and failed
        # calls are one after the other (limit 1): the first came right after the kill, when only the
        # other worker was alive; the supervisor restarts the dead one, which may take later calls
        assert recs[0]["sip"]["worker_port"] == victim["port"] + 1, [r["sip"]["worker_port"] for r in recs]
        with urllib.request.urlopen(sip_status(http_port), timeout=5) as r:
            assert json.loads(r.read())["workers"][0]["restarts"] >= 1
    finally:
        if proxy is not None:
            kill_group(proxy)
        kill_group(serve, grace=30)
