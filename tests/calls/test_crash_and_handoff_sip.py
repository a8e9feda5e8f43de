"""Real SIP calls (sipp) to `voicebot serve`:

- the gateway is killed with SIGKILL in the middle of a call; after a restart the call is in the
  database with the turns it had, marked `error`;
- a transfer's REFER carries X-Voicebot-Url, and that link opens the agent's handoff page
  without any other credential; no CPR number reaches the database or the log.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sip"))
from browserkit import artefact_dir, shoot
from siphelpers import (
    API_HEADERS,
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
from speechkit import espeak_pcm

pytestmark = pytest.mark.slow
CPR_WRITTEN = re.compile(r"\b\d{6}-?\d{4}\b")


def serve(tmp: Path, sip_port: int, http_port: int) -> subprocess.Popen:
    args = ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans", str(tmp / "dialplans"),
            "--answer-delay", "0.3"]  # fmt: skip
    return start_serve(tmp, args, "SIP ready")


def get(http_port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    """GET, waiting (bounded) for the server to listen: serve prints its address just before it does."""
    req = urllib.request.Request(f"http://127.0.0.1:{http_port}{path}", headers=headers or {})
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def db_rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def site(tmp_path):
    (tmp_path / "dialplans").mkdir()
    agent_port = free_port()
    (tmp_path / "dialplans" / "testkommune.yaml").write_text(dialplan_yaml(agent_port), encoding="utf-8")
    return tmp_path


def test_sigkill_mid_call_leaves_the_call_with_its_turns_marked_error(site):
    sip_port, http_port = free_port(), free_port()
    proc = serve(site, sip_port, http_port)
    db = site / "calls.db"
    pcap = call_pcap(site / "q.pcap", [(5.5, espeak_pcm("Hvad koster et nyt pas?"))])
    sc = scenario(site, "caller_bye.xml", pcap=pcap, pause_ms=60000)  # the caller stays on the line
    caller = run_sipp(sc, f"127.0.0.1:{sip_port}", timeout=90, background=True)
    try:
        deadline, turns = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            turns = db_rows(db, "SELECT t.speaker FROM turns t JOIN calls c USING (call_id) WHERE c.live = 1 "
                                "ORDER BY t.seq") if db.exists() else []  # fmt: skip
            if turns[:3] == [("bot",), ("caller",), ("bot",)]:
                break
            time.sleep(0.3)
        assert turns[:3] == [("bot",), ("caller",), ("bot",)], f"turns not written as the call went: {turns}"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        kill_group(caller)
        kill_group(proc)
    (call_id,) = db_rows(db, "SELECT call_id FROM calls")[0]
    assert db_rows(db, "SELECT live FROM calls") == [(1,)]  # the killed process could not close it
    proc = serve(site, free_port(), http_port)
    try:
        status, body = get(http_port, f"/api/calls/{call_id}", API_HEADERS)
        assert status == 200, body
        rec = json.loads(body)
        assert rec["outcome"] == "error" and rec["end_reason"] == "crash" and rec["live"] is False
        assert [t["speaker"] for t in rec["turns"]][:3] == ["bot", "caller", "bot"]
        assert json.loads(get(http_port, "/api/live", API_HEADERS)[1])["calls"] == []
    finally:
        kill_group(proc)


def test_refer_carries_the_agent_link_and_no_cpr_is_kept(site):
    sip_port, http_port = free_port(), free_port()
    proc = serve(site, sip_port, http_port)
    try:
        pcap = call_pcap(site / "d.pcap", [(7.0, espeak_pcm("Mit cpr nummer er 120385-1234."))],
                         dtmf=[(15.0, "0")], total_s=16.5)  # fmt: skip
        sc = scenario(site, "dtmf_refer.xml", pcap=pcap)
        res = run_sipp(sc, f"127.0.0.1:{sip_port}", timeout=60)
        log = sipp_log(sc)
        assert res.returncode == 0, log
        m = re.search(r"X-Voicebot-Url: (http://\S+/agent/calls/(\w+)\?key=\w+)", log)
        assert m, log[-2000:]
        url, call_id = m.group(1), m.group(2)
        assert url.startswith(f"http://127.0.0.1:{http_port}/")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status, page = get(http_port, url.split(str(http_port), 1)[1])
            if status == 200 and "Viderestillet" not in page and "Borgeren bad om en medarbejder" in page:
                break
            time.sleep(0.3)
        assert status == 200 and "Overtaget opkald · Testkommune" in page, page[:500]
        shown = shoot(url, artefact_dir(site / "shots") / "agent-after-sip-refer.png", site / "profile")
        assert "Overtaget opkald · Testkommune" in shown and "Borgeren bad om en medarbejder" in shown
        assert get(http_port, f"/agent/calls/{call_id}")[0] == 401  # the link's key is the credential
        assert get(http_port, f"/api/calls/{call_id}")[0] == 401
    finally:
        kill_group(proc)
    said = db_rows(site / "calls.db", "SELECT text FROM turns WHERE speaker = 'caller'")
    print("caller turns as stored:", said)
    assert said, "the caller's words were not recorded"
    texts = [r[0] for r in db_rows(site / "calls.db", "SELECT text FROM turns")]
    texts += [r[0] or "" for r in db_rows(site / "calls.db", "SELECT handover FROM calls")]
    assert texts and not [t for t in texts if CPR_WRITTEN.search(t)]
    assert "120385" not in (site / "serve.log").read_text(errors="replace")


def test_live_calls_of_every_worker_show_in_one_api(site):
    first, http_port = consecutive_free_ports(2), free_port()
    proc = start_serve(site, ["--workers", "2", "--sip-port", str(first), "--http-port", str(http_port),
                              "--dialplans", str(site / "dialplans")], "SIP ready", timeout=120)  # fmt: skip
    callers = []
    try:
        deadline = time.monotonic() + 120
        while (site / "serve.log").read_text().count("SIP ready") < 2:
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.3)
        pcap = call_pcap(site / "q.pcap", [(5.5, espeak_pcm("Hvad koster et nyt pas?"))])
        for port in (first, first + 1):  # one call to each worker process
            sc = scenario(site, "caller_bye.xml", pcap=pcap, pause_ms=30000)
            callers.append(run_sipp(sc, f"127.0.0.1:{port}", timeout=60, background=True))
        deadline, live = time.monotonic() + 40, []
        while time.monotonic() < deadline:
            live = json.loads(get(http_port, "/api/live", API_HEADERS)[1])["calls"]
            if len(live) == 2:
                break
            time.sleep(0.5)
        assert len(live) == 2, live
        assert len({c["worker"] for c in live}) == 2  # two worker processes, one database, one list
        metrics = get(http_port, "/metrics")[1]
        assert 'voicebot_live_calls{kommune="Testkommune"} 2.0' in metrics
    finally:
        for c in callers:
            kill_group(c)
        kill_group(proc)
