"""SIP capacity: N concurrent real calls against `voicebot serve --workers ceil(N/4)` on loopback,
with the ASR in every worker (`--asr-service local`: a model per worker) or in one shared,
batched `asr-serve` process (`--asr-service auto`, the default of `serve --workers`).

Each call: the Python UAC (tests/sip/sipprobe.py) answers the greeting, asks a Danish
question (espeak) in real time, and listens for the spoken reply; Whisper runs on every turn.
Calls start staggered over `--spread` seconds. Reported per load level:
completed calls, lost frames (client RTP gaps + gateway inbox drops + jitter-buffer losses),
response gap p50/p95 (end of caller speech → first bot audio, from the call records),
barge-in cut latency (caller speech onset → bot RTP silent, measured on the wire), CPU
(gateway processes, % of one core), memory (summed RSS of all gateway processes, peak) and,
for the shared service, the mean batch size it decoded and its decoder busy time per call.

    .venv/bin/python bench/sip_capacity.py [--loads 4 8 16 32 48] [--modes local service] [--spread 4]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "sip"))
from siphelpers import consecutive_free_ports  # noqa: E402
from sipprobe import SipProbe  # noqa: E402
from speechkit import espeak_pcm  # noqa: E402

OUT = REPO / "bench" / "out"
NUMBER = "4512345678"
SPEAK_AT = 5.0  # after the greeting (~4 s)
HOLD_S = 14.0
VOICED = 300.0


def tree_pids(root: int) -> list[int]:
    pids, out = [root], []
    while pids:
        pid = pids.pop()
        out.append(pid)
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            kids = []
        pids.extend(int(k) for k in kids)
    return out


def cpu_rss(pids: list[int]) -> tuple[float, int]:
    tick, cpu, rss = os.sysconf("SC_CLK_TCK"), 0.0, 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(f[11]) + int(f[12])) / tick
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError):
            pass
    return cpu, rss


def one_call(port: int, pcm: np.ndarray, delay: float, out: dict) -> None:
    time.sleep(delay)
    probe = SipProbe("127.0.0.1", port)
    try:
        out["status"] = probe.invite(NUMBER)
        if out["status"] != 200:
            return
        res = probe.converse(pcm, hold_s=HOLD_S)
        e = res.energy()
        t = np.array([r[0] for r in res.rx])
        out["rx"] = len(res.rx)
        out["lost"] = res.lost()
        out["replied"] = bool(((e > VOICED) & (t > SPEAK_AT + out["speech_s"] + 0.3)).sum() > 25)
    finally:
        probe.close()


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


def run_load(n: int, spread: float, question: np.ndarray, tmp: Path, mode: str = "service",
             window_ms: float = 0.0) -> dict:
    workers = math.ceil(n / 4)
    base, http = consecutive_free_ports(workers), consecutive_free_ports(1)
    log = tmp / f"calls-{mode}-{window_ms:g}-{n}.jsonl"
    env = {**os.environ, "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp / f'calls-{mode}-{window_ms:g}-{n}.db'}"}
    serve = subprocess.Popen([sys.executable, "-m", "voicebot.cli", "serve", "--workers", str(workers), "--sip-port",
                              str(base), "--http-port", str(http), "--call-log", str(log), "--asr-service",
                              "auto" if mode == "service" else "local", "--asr-window-ms", str(window_ms)],
                             cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True)
    ready, lines, asr_url = 0, [], None
    deadline = time.monotonic() + 180
    while ready < workers and time.monotonic() < deadline:
        line = serve.stdout.readline() if serve.stdout else ""
        lines.append(line)
        ready += "SIP ready" in line
        if "shared ASR service on " in line:
            asr_url = line.rsplit(" ", 1)[1].strip()
    threading.Thread(target=lambda: [None for _ in serve.stdout], daemon=True).start()  # keep draining
    if ready < workers:
        os.killpg(serve.pid, signal.SIGKILL)
        raise RuntimeError("workers did not start:\n" + "".join(lines[-30:]))
    pcm = np.concatenate([np.zeros(int(SPEAK_AT * 8000), np.int16), question])
    results = [{"speech_s": len(question) / 8000} for _ in range(n)]
    threads = [threading.Thread(target=one_call, args=(base + i % workers, pcm, spread * i / n, results[i]))
               for i in range(n)]
    pids = tree_pids(serve.pid)
    cpu0, _ = cpu_rss(pids)
    t0, peak_rss = time.monotonic(), 0
    for th in threads:
        th.start()
    while any(th.is_alive() for th in threads):
        peak_rss = max(peak_rss, cpu_rss(pids)[1])
        time.sleep(0.5)
    wall = time.monotonic() - t0
    cpu1, _ = cpu_rss(pids)
    time.sleep(2.0)
    stats = asr_stats(asr_url) if asr_url else {}
    os.killpg(serve.pid, signal.SIGTERM)
    try:
        serve.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(serve.pid, signal.SIGKILL)
    recs, bad_lines = [], 0
    for line in log.read_text().splitlines() if log.exists() else []:
        try:
            recs.append(json.loads(line))
        except json.JSONDecodeError:  # a worker stopped mid-line at shutdown: count it, do not crash
            bad_lines += 1
    gaps = [g for r in recs for g in r["response_gaps_ms"]]
    rx_lost = sum(r["sip"].get("rx_lost", 0) + r["sip"].get("rx_dropped", 0) for r in recs)
    jb_lost = sum(r["sip"].get("jb_lost", 0) for r in recs)
    tx_lost = sum(r.get("lost", 0) for r in results)
    completed = sum(1 for r in results if r.get("status") == 200 and r.get("replied"))
    return {
        "mode": mode, "window_ms": window_ms if mode == "service" else None,
        "calls": n, "workers": workers, "completed": completed, "records": len(recs),
        "lost_frames": tx_lost + rx_lost, "lost_to_caller": tx_lost, "lost_from_caller": rx_lost,
        "jitter_buffer_lost": jb_lost,
        "gap_p50_ms": float(np.percentile(gaps, 50)) if gaps else None,
        "gap_p95_ms": float(np.percentile(gaps, 95)) if gaps else None,
        "cpu_pct_of_core": 100.0 * (cpu1 - cpu0) / wall, "peak_rss_mb": peak_rss / 2**20,
        "mean_batch": stats.get("mean_batch"), "asr_decodes": stats.get("decoded"),
        "asr_dropped": stats.get("dropped"), "unreadable_log_lines": bad_lines,
        "asr_wait_p50_ms": stats.get("wait_p50_ms"), "asr_wait_p95_ms": stats.get("wait_p95_ms"),
        "asr_batch_p50_ms": stats.get("batch_p50_ms"), "asr_batch_p95_ms": stats.get("batch_p95_ms"),
        "decoder_s_per_call": stats["decode_s"] / n if stats else None,
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loads", type=int, nargs="+", default=[4, 8, 16, 32, 48])
    ap.add_argument("--modes", nargs="+", choices=["local", "service"], default=["local", "service"],
                    help="local: a Whisper model per worker; service: one shared batched asr-serve")
    ap.add_argument("--windows", type=float, nargs="+", default=[0.0], help="service batching windows (ms) to try")
    ap.add_argument("--spread", type=float, default=4.0, help="call starts spread over this many seconds")
    args = ap.parse_args()
    question = espeak_pcm("Hvad koster et nyt pas?")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for mode in args.modes:
            for window in args.windows if mode == "service" else [0.0]:
                for n in args.loads:
                    row = run_load(n, args.spread, question, Path(d), mode, window)
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    machine = f"{platform.machine()} {os.cpu_count()} CPU, {platform.python_version()}"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sip_capacity.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    md = ["| ASR | calls | workers | completed | lost frames (to/from caller) | jitter-buffer lost | gap p50 ms "
          "| gap p95 ms | CPU % of a core | RSS MB | mean batch | decoder s/call |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        p50 = f"{r['gap_p50_ms']:.0f}" if r["gap_p50_ms"] is not None else "-"
        p95 = f"{r['gap_p95_ms']:.0f}" if r["gap_p95_ms"] is not None else "-"
        lost = f"{r['lost_frames']} ({r['lost_to_caller']}/{r['lost_from_caller']})"
        batch = f"{r['mean_batch']:.2f}" if r.get("mean_batch") is not None else "-"
        dec = f"{r['decoder_s_per_call']:.2f}" if r.get("decoder_s_per_call") is not None else "-"
        asr = f"shared service ({r['window_ms']:g} ms window)" if r["mode"] == "service" else "model per worker"
        md.append(f"| {asr} | {r['calls']} | {r['workers']} | {r['completed']}/{r['calls']} | {lost} | "
                  f"{r['jitter_buffer_lost']} | {p50} | {p95} | {r['cpu_pct_of_core']:.0f} | {r['peak_rss_mb']:.0f} | "
                  f"{batch} | {dec} |")
    text = f"SIP capacity on {machine}\n\n" + "\n".join(md) + "\n"
    (OUT / "sip_capacity.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
