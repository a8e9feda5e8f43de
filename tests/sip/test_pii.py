"""A full SIP call (over TCP, through the guard) whose caller number, spoken CPR number and keyed
CPR number must not show up where they may not: in the gateway's output at INFO (stdout and
stderr) nothing of them and no SIP packet; in `--call-log` no DTMF digit and no CPR-like run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from siphelpers import SCENARIOS, call_pcap, dialplan_yaml, free_port, kill_group, run_sipp, sipp_log, start_serve
from speechkit import espeak_pcm

from voicebot.calls.store import CallStore

pytestmark = pytest.mark.slow
CALLER = "4522334455"
CPR_KEYED = "2512914321"  # no 0: 0 asks for a person
CPR_SPOKEN = "mit cpr nummer er 1 2 0 3 8 5 4 3 2 1"


def test_full_sip_call_leaves_no_personal_data_in_logs_or_call_log(tmp_path: Path) -> None:
    sip_port, http_port = free_port(), free_port()
    (tmp_path / "dialplans").mkdir()
    (tmp_path / "dialplans" / "t.yaml").write_text(dialplan_yaml(free_port()), encoding="utf-8")
    call_log = tmp_path / "calls.jsonl"
    proc = start_serve(tmp_path, ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans",
                                  str(tmp_path / "dialplans"), "--call-log", str(call_log)], "SIP ready")  # fmt: skip
    try:
        speech = espeak_pcm(CPR_SPOKEN)
        digits = [(9.0 + 0.4 * i, d) for i, d in enumerate(CPR_KEYED)]
        pcap = call_pcap(tmp_path / "pii.pcap", [(5.0, speech)], dtmf=digits)
        sc = tmp_path / "pii_call.xml"
        text = (SCENARIOS / "caller_bye.xml").read_text().replace("sip:caller@", f"sip:{CALLER}@")
        sc.write_text(text.replace("@PCAP@", str(pcap)).replace("@PAUSE_MS@", "16000"))
        res = run_sipp(sc, f"127.0.0.1:{sip_port}", timeout=45, extra=["-t", "t1"])
        assert res.returncode == 0, sipp_log(sc)
        recs = []
        for _ in range(100):
            recs = [json.loads(x) for x in call_log.read_text().splitlines()] if call_log.exists() else []
            if recs:
                break
            time.sleep(0.2)
    finally:
        kill_group(proc)
    (rec,) = recs
    assert rec["sip"]["dtmf"] == [["x", "rfc4733"]] * len(CPR_KEYED), "every key press arrived, no digit kept"
    store = CallStore(f"sqlite:///{tmp_path / 'calls.db'}")
    try:
        saved = store.get(rec["call_id"])
    finally:
        store.close()
    assert saved is not None and saved["turns"][0]["speaker"] == "bot"  # a real call, with a record
    output = (tmp_path / "serve.log").read_text(errors="replace")
    logged = call_log.read_text()
    for secret in (CALLER, CPR_KEYED, "120385", "1203854321", "SIP/2.0", "Call-ID:", "Via:"):
        assert secret not in output, f"{secret!r} in the gateway's output"
    for secret in (CALLER, CPR_KEYED, "1203854321", "120385-4321"):
        assert secret not in logged, f"{secret!r} in --call-log"
    caller_turns = [t["text"] for t in rec["turns"] if t["speaker"] == "caller"]
    assert caller_turns, "the spoken turn was recognised and recorded (redacted)"
    assert all(t not in output for t in caller_turns), "no transcript in the gateway's output"
