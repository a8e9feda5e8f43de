"""PostgreSQL stops in the middle of a SIP call: the call goes on, its record queues on disk, and
when the server is back the whole call is in the database, with nothing lost and the outage counted
in /metrics."""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path

import pytest
from pgcluster import PgCluster
from siphelpers import (
    API_HEADERS,
    call_pcap,
    dialplan_yaml,
    free_port,
    kill_group,
    run_sipp,
    scenario,
    sipp_log,
    start_serve,
)
from speechkit import espeak_pcm

from voicebot.calls.store import CallStore

pytestmark = pytest.mark.slow


def _get(port: int, path: str) -> str:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=API_HEADERS)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read().decode()


def _metric(text: str, name: str) -> float:
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    assert m, f"{name} missing from /metrics"
    return float(m.group(1))


def _until(what: str, check, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def test_postgresql_stopped_mid_call_loses_nothing(tmp_path: Path) -> None:
    pg = PgCluster()
    proc = None
    try:
        url = pg.start().create_db("outage")
        sip_port, http_port = free_port(), free_port()
        (tmp_path / "dialplans").mkdir()
        (tmp_path / "dialplans" / "t.yaml").write_text(dialplan_yaml(free_port()), encoding="utf-8")
        proc = start_serve(tmp_path, ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans",
                                      str(tmp_path / "dialplans")], "SIP ready",
                           env={"VOICEBOT_DATABASE_URL": url, "VOICEBOT_SPOOL_DIR": str(tmp_path / "spool")})
        pcap = call_pcap(tmp_path / "q.pcap", [(5.0, espeak_pcm("Hvad koster et nyt pas?"))])
        sc = scenario(tmp_path, "caller_bye.xml", pcap=pcap, pause_ms=11000)
        sipp = run_sipp(sc, f"127.0.0.1:{sip_port}", timeout=40, background=True)
        _until("the call never showed as live", lambda: '"call_id"' in _get(http_port, "/api/live"), 20)
        pg.halt()  # the greeting has been written; the question, the answer and the end have not
        assert sipp.wait(60) == 0, sipp_log(sc)  # the caller noticed nothing
        _until("the call was not queued on disk",
               lambda: _metric(_get(http_port, "/metrics"), "voicebot_records_spool_pending") == 1, 30)
        metrics = _get(http_port, "/metrics")
        assert _metric(metrics, "voicebot_records_spooled_total") == 1
        assert _metric(metrics, "voicebot_database_up") == 0
        assert _metric(metrics, "voicebot_records_replayed_total") == 0

        pg.resume()
        _until("the queued call was not written back",
               lambda: _metric(_get(http_port, "/metrics"), "voicebot_records_spool_pending") == 0, 60)
        metrics = _get(http_port, "/metrics")
        assert _metric(metrics, "voicebot_records_replayed_total") == 1
        assert _metric(metrics, "voicebot_database_up") == 1
        assert not list((tmp_path / "spool").glob("*.json"))

        store = CallStore(url)
        (row,) = store.recent(5)
        call = store.get(row["call_id"])
        assert call is not None and not call["live"] and call["end_reason"] == "caller_hangup"
        speakers = [t["speaker"] for t in call["turns"]]
        assert speakers[:3] == ["bot", "caller", "bot"], call["turns"]  # greeting, question, answer: all kept
        assert call["turns"][1]["text"].strip() and call["response_gaps_ms"], call
        log = (tmp_path / "serve.log").read_text(errors="replace")
        assert "queued on disk" in log and "written to the database" in log
    finally:
        if proc is not None:
            kill_group(proc)
        pg.stop()
