"""Kamailio (Debian) in front of `voicebot serve --workers 2`: 8 calls spread over both workers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from siphelpers import (
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

pytestmark = pytest.mark.slow


def test_kamailio_spreads_8_calls_over_2_workers(tmp_path: Path, question_pcm: np.ndarray) -> None:
    kamailio = shutil.which("kamailio") or "/usr/sbin/kamailio"
    proxy_port, first_worker, http_port = free_port(), consecutive_free_ports(2), free_port()
    (tmp_path / "dialplans").mkdir()
    (tmp_path / "dialplans" / "testkommune.yaml").write_text(dialplan_yaml(free_port()), encoding="utf-8")
    kdir = tmp_path / "kamailio"
    subprocess.run([sys.executable, "-m", "voicebot.cli", "kamailio-config", "--out", str(kdir),
                    "--listen", f"127.0.0.1:{proxy_port}", "--workers", "2", "--worker-port", str(first_worker),
                    "--branch-timeout-ms", "5000"],  # a loaded CI box must not look like a dead worker
                   check=True, capture_output=True, timeout=30)
    call_log = tmp_path / "calls.jsonl"
    serve = start_serve(tmp_path, ["--workers", "2", "--sip-port", str(first_worker), "--http-port", str(http_port),
                                   "--dialplans", str(tmp_path / "dialplans"), "--call-log", str(call_log)],
                        "SIP ready", timeout=120)
    proxy = None
    try:
        deadline = time.monotonic() + 120
        while (tmp_path / "serve.log").read_text().count("SIP ready") < 2:
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.3)
        proxy = subprocess.Popen([kamailio, "-DD", "-E", "-f", str(kdir / "kamailio.cfg"), "-P",
                                  str(tmp_path / "k.pid"), "-Y", str(tmp_path)],
                                 stdout=(tmp_path / "kamailio.log").open("wb"), stderr=subprocess.STDOUT,
                                 start_new_session=True)
        time.sleep(3)  # let the dispatcher probe the workers with OPTIONS
        pcap = call_pcap(tmp_path / "q.pcap", [(4.0, question_pcm)])
        sc = scenario(tmp_path, "caller_bye.xml", pcap=pcap, pause_ms=9000)
        res = run_sipp(sc, f"127.0.0.1:{proxy_port}", calls=8, limit=8, rate=8, timeout=60)
        klog = (tmp_path / "kamailio.log").read_text(errors="replace")[-3000:]
        assert res.returncode == 0, sipp_log(sc) + klog
        recs = []
        deadline = time.monotonic() + 20
        while len(recs) < 8 and time.monotonic() < deadline:
            recs = [json.loads(x) for x in call_log.read_text().splitlines()] if call_log.exists() else []
            time.sleep(0.3)
        assert len(recs) == 8
        assert all(r["end_reason"] == "caller_hangup" and r["turns"][0]["speaker"] == "bot" for r in recs)
        wlog = (tmp_path / "serve.log").read_text()
        # both workers answered calls: 8 calls > 4 slots per process
        assert len({r["sip"]["worker_port"] for r in recs}) == 2, wlog[-2000:]
    finally:
        if proxy is not None:
            kill_group(proxy)
        kill_group(serve, grace=15)
