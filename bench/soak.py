"""Soak: real SIP calls at a steady concurrency against one `voicebot serve` for a long time.

Each call (the project's UAC, tests/sip/sipprobe.py) waits for the greeting, asks a
Danish question (espeak) in real time, listens, and hangs up; a new call starts as soon as one
ends, so `--concurrency` calls are always up. Reported:
- failed calls (no 200, no bot audio, or no call record);
- gateway RSS, open file descriptors and threads after a warm-up and at the end;
- the response gap p95 (end of caller speech -> first bot audio, from the call records) per window.

Pass: 0 failed, RSS growth < 10 %, no growth in fds or threads.

    .venv/bin/python bench/soak.py                        # 30 minutes, 3 calls, 5-minute windows
    .venv/bin/python bench/soak.py --minutes 2 --window 1 # the CI version (tests/sip/test_soak.py)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "sip"))
from siphelpers import NUMBER, dialplan_yaml, free_port, kill_group, start_serve  # noqa: E402
from sipprobe import SipProbe  # noqa: E402
from speechkit import espeak_pcm  # noqa: E402

OUT = REPO / "bench" / "out"
SPEAK_AT = 5.0
HOLD_S = 12.0


def proc_stats(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "rss_kb": int(fields["VmRSS"].split()[0]),
        "threads": int(fields["Threads"]),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


def one_call(port: int, local: str, question: np.ndarray) -> tuple[bool, str]:
    probe = SipProbe("127.0.0.1", port, local=local)
    try:
        code = probe.invite(NUMBER)
        if code != 200:
            return False, f"INVITE answered {code}"
        pcm = np.concatenate([np.zeros(int(SPEAK_AT * 8000), np.int16), question])
        res = probe.converse(pcm, hold_s=HOLD_S)
        voiced = res.energy() > 300.0
        if voiced.sum() < 50:
            return False, "no bot audio"
        return True, ""
    finally:
        probe.close()


def run(minutes: float, window_min: float, concurrency: int, warmup_s: float) -> dict:
    question = espeak_pcm("Hvad koster et nyt pas?")
    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    sip_port, http_port = free_port(), free_port()
    (tmp / "dialplans").mkdir()
    (tmp / "dialplans" / "t.yaml").write_text(dialplan_yaml(free_port()), encoding="utf-8")
    call_log = tmp / "calls.jsonl"
    args = ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans", str(tmp / "dialplans"),
            "--call-log", str(call_log), "--max-calls", "4", "--slots-per-source", "4"]
    proc = start_serve(tmp, args, "SIP ready")
    t0, t0_wall = time.monotonic(), time.time()
    end_at = t0 + minutes * 60
    results: list[tuple[float, bool, str]] = []
    lock = threading.Lock()

    def caller(i: int) -> None:
        time.sleep(i * 2.0)  # stagger the first calls
        while time.monotonic() + SPEAK_AT + HOLD_S < end_at:
            ok, why = one_call(sip_port, f"127.0.0.{i + 1}", question)
            with lock:
                results.append((time.monotonic() - t0, ok, why))

    threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(concurrency)]
    try:
        for t in threads:
            t.start()
        time.sleep(warmup_s)
        start = proc_stats(proc.pid)
        for t in threads:
            t.join(minutes * 60 + 120)
        time.sleep(2.0)  # the last records are written
        if proc.poll() is not None:  # the gateway died: say so, with the end of its log
            tail = (tmp / "serve.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"soak: the gateway exited with {proc.returncode} during the run; log tail:\n{tail}")
        end = proc_stats(proc.pid)
    finally:
        kill_group(proc, grace=30)
    recs = [json.loads(x) for x in call_log.read_text().splitlines()] if call_log.exists() else []
    windows = []
    n_windows = max(1, int(np.ceil(minutes / window_min)))
    starts = [datetime.fromisoformat(r["started_at"]).timestamp() - t0_wall for r in recs]
    for w in range(n_windows):
        lo, hi = w * window_min * 60, (w + 1) * window_min * 60
        mine = [r for r, at in zip(recs, starts, strict=True) if lo <= at < hi]
        gaps = [g for r in mine for g in r.get("response_gaps_ms", [])]
        windows.append({"from_min": lo / 60, "to_min": hi / 60, "calls": len(mine),
                        "gap_p95_ms": round(float(np.percentile(gaps, 95)), 1) if gaps else None})  # fmt: skip
    failed = [why for _, ok, why in results if not ok] + ["no call record"] * max(0, len(results) - len(recs))
    growth = (end["rss_kb"] - start["rss_kb"]) / start["rss_kb"]
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores", "minutes": minutes,
        "concurrency": concurrency, "calls": len(results), "failed": len(failed), "failures": failed[:20],
        "start": start, "end": end, "rss_growth": round(growth, 4), "windows": windows,
        "pass": not failed and growth < 0.10 and end["fds"] <= start["fds"] and end["threads"] <= start["threads"],
    }  # fmt: skip
    return report


def write(report: dict, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    s, e = report["start"], report["end"]
    lines = [f"# Soak: {report['minutes']} min, {report['concurrency']} concurrent calls ({report['machine']})", "",
             f"calls {report['calls']}, failed {report['failed']}, pass: {report['pass']}", "",
             "| | RSS MB | fds | threads |", "|---|---|---|---|",
             f"| after warm-up | {s['rss_kb'] / 1024:.0f} | {s['fds']} | {s['threads']} |",
             f"| end | {e['rss_kb'] / 1024:.0f} | {e['fds']} | {e['threads']} |", "",
             "| window (min) | calls | response gap p95 ms |", "|---|---|---|"]  # fmt: skip
    lines += [f"| {w['from_min']:g}–{w['to_min']:g} | {w['calls']} | {w['gap_p95_ms']} |" for w in report["windows"]]
    (OUT / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--window", type=float, default=5.0, help="minutes per response-gap window")
    ap.add_argument("--concurrency", type=int, default=3, help="calls up at once (one process holds 4)")
    ap.add_argument("--warmup", type=float, default=40.0, help="seconds before the start sample")
    ap.add_argument("--name", default="soak")
    a = ap.parse_args()
    report = run(a.minutes, a.window, a.concurrency, a.warmup)
    write(report, a.name)
    print(json.dumps({k: report[k] for k in ("calls", "failed", "start", "end", "rss_growth", "windows", "pass")}))
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
