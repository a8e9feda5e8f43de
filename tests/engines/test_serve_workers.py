"""`serve --workers 2`: one shared ASR service holds the only model; both workers use it."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from speechkit import espeak_pcm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sip"))
from siphelpers import API_HEADERS, NUMBER, consecutive_free_ports, dialplan_yaml, free_port, kill_group, start_serve
from sipprobe import SipProbe

pytestmark = pytest.mark.slow



def _status_request(http: int) -> urllib.request.Request:
    """/api/sip/status needs a viewer token (start_serve configures one)."""
    return urllib.request.Request(f"http://127.0.0.1:{http}/api/sip/status", headers=API_HEADERS)

def asr_stats(url: str) -> dict:
    from wyoming.event import Event

    from voicebot.asr.service import STATS_EVENT
    from voicebot.engines.wyoming import WyomingConnection, parse_tcp_url

    conn = WyomingConnection(parse_tcp_url(url), 2.0)
    try:
        conn.send([Event(STATS_EVENT)], time.monotonic() + 5)
        return dict(conn.recv(time.monotonic() + 5).data)
    finally:
        conn.close()


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a dead parent's reaper."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def maps_ctranslate2(pid: int) -> bool:
    """Has this process loaded CTranslate2 (a Whisper model)?"""
    return "ctranslate2" in Path(f"/proc/{pid}/maps").read_text()


def test_workers_share_one_asr_service(tmp_path: Path) -> None:
    base, http = consecutive_free_ports(2), free_port()
    (tmp_path / "dialplans").mkdir()
    (tmp_path / "dialplans" / "testkommune.yaml").write_text(dialplan_yaml(free_port()), encoding="utf-8")
    call_log = tmp_path / "calls.jsonl"
    serve = start_serve(tmp_path, ["--workers", "2", "--sip-port", str(base), "--http-port", str(http),
                                   "--dialplans", str(tmp_path / "dialplans"), "--call-log", str(call_log)],
                        "SIP ready", timeout=180)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while (tmp_path / "serve.log").read_text().count("SIP ready") < 2:
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.3)
        with urllib.request.urlopen(_status_request(http), timeout=5) as r:
            status = json.loads(r.read())
        asr = status["asr_service"]
        assert asr["running"] and asr["url"].startswith("tcp://127.0.0.1:")
        assert maps_ctranslate2(asr["pid"]), "the ASR service holds the model"
        workers = [w["pid"] for w in status["workers"]]
        assert len(workers) == 2 and not any(maps_ctranslate2(p) for p in workers), "a worker loaded a model"

        question = np.concatenate([np.zeros(5 * 8000, np.int16), espeak_pcm("Hvad koster et nyt pas?", wpm=130)])
        outcomes: list[int] = []

        def call(port: int) -> None:
            probe = SipProbe("127.0.0.1", port)
            try:
                outcomes.append(probe.invite(NUMBER))
                probe.converse(question, hold_s=9.0)
            finally:
                probe.close()

        threads = [threading.Thread(target=call, args=(base + i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert outcomes == [200, 200]
        recs: list[dict] = []
        deadline = time.monotonic() + 20
        while len(recs) < 2 and time.monotonic() < deadline:
            recs = [json.loads(x) for x in call_log.read_text().splitlines()] if call_log.exists() else []
            time.sleep(0.3)
        assert len(recs) == 2 and {r["sip"]["worker_port"] for r in recs} == {base, base + 1}
        for rec in recs:
            caller = [t for t in rec["turns"] if t["speaker"] == "caller"]
            # Words vary with RTP timing (Whisper base heard "pas" as "pæs", "nutspæs", "nutsbest"):
            # recognition quality is tested elsewhere; here, that the shared service answered.
            assert caller and caller[0]["text"].strip(), caller
            assert rec["response_gaps_ms"], "no reply"
        decoded = asr_stats(asr["url"])["decoded"]
        assert decoded >= 2, "the calls' turns were decoded by the shared service"

        # A crashed service comes back on the same port, so the workers' URL stays valid.
        os.kill(asr["pid"], signal.SIGKILL)
        deadline, again = time.monotonic() + 120, {}
        while time.monotonic() < deadline:
            with urllib.request.urlopen(_status_request(http), timeout=5) as r:
                again = json.loads(r.read())["asr_service"]
            if again["running"] and again["pid"] != asr["pid"]:
                break
            time.sleep(0.5)
        assert again["running"] and again["restarts"] == 1 and again["url"] == asr["url"], again
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                assert asr_stats(asr["url"])["decoded"] == 0  # a fresh process, listening
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the restarted ASR service does not answer")

        # The supervisor killed outright: the service (and the workers) must not linger.
        children = [again["pid"], *workers]
        os.kill(serve.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(alive(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not any(alive(p) for p in children), "a child outlived its supervisor"
    finally:
        kill_group(serve, grace=15)
