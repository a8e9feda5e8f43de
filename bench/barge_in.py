"""Barge-in cut latency on the wire: caller speech onset → the bot's RTP goes silent.

Starts `voicebot serve` on loopback with `VOICEBOT_SIP_TRACE=1` and places N calls, one at a
time, from the Python UAC (tests/sip/sipprobe.py). Each caller talks over the greeting
(a Danish question from espeak-ng, starting at a slightly different 20 ms phase per call).

Measured per call, all on time.monotonic() (one clock for both processes on Linux):
- total: the UAC sends the first voiced frame → the first RTP frame of the bot's silence arrives;
- jb: that frame sent → the media port's onFrameReceived (jitter buffer + conference bridge);
- hop: onFrameReceived → the asyncio loop (call_soon_threadsafe);
- front: the loop has the frame → sink.flush (resampler, VAD, endpointer, session);
- vad: the trigger's delay by design (the same audio replayed offline through the call front end,
  on the RTP frame grid; pjmedia hands the port frames shifted by ~5 ms, so online the
  voiced frames, and with them jb and front, can fall one frame differently);
- tail: sink.flush → the first silent RTP frame arrives at the UAC (clock tick + bridge + RTP).

    .venv/bin/python bench/barge_in.py [--calls 10] [--jitter-ms 40]

Writes bench/out/barge_in.json and bench/out/barge_in.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "sip"))  # the test caller (a test tool, not the gateway)
from sipprobe import SipProbe  # noqa: E402

from voicebot.audio.endpoint import Onset  # noqa: E402
from voicebot.audio.frontend import AudioFrontEnd  # noqa: E402
from voicebot.audio.g711 import telephone_band, ulaw_decode, ulaw_encode  # noqa: E402
from voicebot.audio.resample import resample  # noqa: E402
from voicebot.frames import AudioFrame, SpeechStarted  # noqa: E402

OUT = REPO / "bench" / "out"
NUMBER = "4512345678"
VOICED = 300.0  # RMS of a 20 ms frame that carries speech (as in tests/sip/test_rtp.py)
SPEAK_AT = 2.0  # the greeting (~6 s) is playing
GREETING = "Goddag, du har ringet til Testkommune. Jeg er en automatisk assistent. Hvad kan jeg hjælpe dig med?"
DIALPLAN = f"""schema: 1
kommune: Testkommune
numbers: ["+{NUMBER}"]
greeting: "{GREETING}"
"""
KEYS = ("total", "jb", "hop", "front", "vad", "tail")


def espeak(text: str) -> np.ndarray:
    raw = subprocess.run(["espeak-ng", "-v", "da", "-s", "150", "--stdout", text], capture_output=True, check=True)
    return telephone_band(resample(np.frombuffer(raw.stdout[44:], "<i2").astype(np.int16), 22050, 8000))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rms(frames: np.ndarray) -> np.ndarray:
    return np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))


def offline_vad_ms(pcm: np.ndarray, onset_frame: int) -> float:
    """The first barge-in trigger (Onset or SpeechStarted) on the front end's own frame timeline,
    after the start of the onset frame."""
    fe = AudioFrontEnd(8000)
    for i in range(len(pcm) // 160):
        for ev in fe.push(AudioFrame(pcm[i * 160 : (i + 1) * 160], 8000, i * 0.02)):
            if isinstance(ev, (Onset, SpeechStarted)):
                return (ev.t - onset_frame * 0.02) * 1000.0
    return float("nan")


def start_serve(tmp: Path, sip: int, http: int, log: Path, jitter_ms: int) -> subprocess.Popen:
    (tmp / "dialplans").mkdir(exist_ok=True)
    (tmp / "dialplans" / "bench.yaml").write_text(DIALPLAN, encoding="utf-8")
    env = {**os.environ, "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp / 'calls.db'}", "VOICEBOT_SIP_TRACE": "1",
           "VOICEBOT_SIP_JITTER_MS": str(jitter_ms), "PYTHONUNBUFFERED": "1"}
    serve = subprocess.Popen([sys.executable, "-m", "voicebot.cli", "serve", "--sip-port", str(sip), "--http-port",
                              str(http), "--dialplans", str(tmp / "dialplans"), "--call-log", str(log)], cwd=tmp,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                             text=True)  # fmt: skip
    deadline, lines = time.monotonic() + 180, []
    while time.monotonic() < deadline:
        line = serve.stdout.readline() if serve.stdout else ""
        lines.append(line)
        if "SIP ready" in line:
            threading.Thread(target=lambda: [None for _ in serve.stdout], daemon=True).start()
            return serve
        if not line and serve.poll() is not None:
            break
    os.killpg(serve.pid, signal.SIGKILL)
    raise RuntimeError("voicebot serve did not start:\n" + "".join(lines[-30:]))


def wait_records(log: Path, n: int, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recs = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
        if len(recs) >= n:
            return recs
        time.sleep(0.2)
    raise RuntimeError(f"expected {n} call records")


def one_call(port: int, question: np.ndarray, speak_at: float) -> tuple[dict, int]:
    pcm = np.concatenate([np.zeros(round(speak_at / 0.02) * 160, np.int16), question])
    probe = SipProbe("127.0.0.1", port)
    try:
        if probe.invite(NUMBER) != 200:
            raise RuntimeError("call not answered")
        res = probe.converse(pcm, hold_s=speak_at + 1.5)
    finally:
        probe.close()
    heard = ulaw_decode(ulaw_encode(pcm))  # what the gateway decodes
    frame_rms = rms(heard[: len(heard) // 160 * 160].reshape(-1, 160))
    onset = int(np.argmax(frame_rms > VOICED))
    t_rx = np.array([r[0] for r in res.rx])
    voiced = res.energy() > VOICED
    sent = res.t0 + res.sent[onset]
    cut = None
    for i in np.flatnonzero((t_rx + res.t0 > sent) & ~voiced):
        later = t_rx > t_rx[i]
        span = t_rx[later & (t_rx <= t_rx[i] + 0.3)]
        if len(span) and not voiced[later & (t_rx <= t_rx[i] + 0.3)].any() and span[-1] - t_rx[i] > 0.25:
            cut = res.t0 + t_rx[i]
            break
    playing = voiced[(t_rx > 0.5) & (t_rx < speak_at)].mean()
    return {"sent": sent, "cut": cut, "playing": float(playing), "vad": offline_vad_ms(heard, onset)}, onset


def breakdown(call: dict, rec: dict) -> dict:
    tr = rec["sip"]["trace"]
    sent, cut = call["sent"], call["cut"]
    rx = [r for r in tr["rx"] if r[0] > sent - 0.005 and r[2] > VOICED]
    if os.environ.get("BARGE_DEBUG"):
        print([(round((r[0] - sent) * 1000), round((r[1] - sent) * 1000), round(r[2])) for r in tr["rx"]
               if abs(r[0] - sent) < 0.1], [round((f - sent) * 1000) for f in tr["flushed_at"]])
    flushed = [f for f in tr["flushed_at"] if f > sent]
    out = {"total": (cut - sent) * 1000.0 if cut else float("nan"), "vad": call["vad"]}
    if rx:
        out["jb"] = (rx[0][0] - sent) * 1000.0
        out["hop"] = (rx[0][1] - rx[0][0]) * 1000.0
        if flushed:
            out["front"] = (flushed[0] - rx[0][1]) * 1000.0
    if flushed and cut:
        out["tail"] = (cut - flushed[0]) * 1000.0
        tx = [t for t in tr["tx"] if t <= flushed[0]]
        if tx:
            out["last_tx_before_flush"] = (flushed[0] - tx[-1]) * 1000.0
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--jitter-ms", type=int, default=int(os.environ.get("VOICEBOT_SIP_JITTER_MS", "40")))
    ap.add_argument("--tag", default="", help="suffix for the output files")
    args = ap.parse_args()
    question = espeak("Hvad koster et nyt pas?")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sip, http, log = free_port(), free_port(), tmp / "calls.jsonl"
        serve = start_serve(tmp, sip, http, log, args.jitter_ms)
        try:
            for i in range(args.calls):
                call, _ = one_call(sip, question, SPEAK_AT + 0.02 * i / args.calls + 0.002 * i)
                rec = wait_records(log, i + 1)[i]
                row = {**breakdown(call, rec), "playing": call["playing"], "barge_ins": rec.get("barge_ins", 0)}
                rows.append(row)
                print(" ".join(f"{k}={row[k]:.0f}" for k in KEYS if k in row), flush=True)
                time.sleep(0.5)
        finally:
            os.killpg(serve.pid, signal.SIGTERM)
            try:
                serve.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
    stats = {}
    for k in KEYS:
        v = np.array([r[k] for r in rows if k in r and np.isfinite(r[k])])
        stats[k] = {"p50": float(np.percentile(v, 50)), "p95": float(np.percentile(v, 95)), "n": len(v)} if len(
            v) else None  # fmt: skip
    cut = sum(1 for r in rows if np.isfinite(r["total"]))
    result = {"machine": f"{platform.machine()} {os.cpu_count()} cores", "calls": args.calls, "cut": cut,
              "jitter_ms": args.jitter_ms, "stats": stats, "rows": rows}  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"barge_in{'-' + args.tag if args.tag else ''}"
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=1))
    lines = [f"Barge-in cut latency, {cut}/{args.calls} calls cut, jitter buffer {args.jitter_ms} ms "
             f"({result['machine']})", "", "| segment | p50 ms | p95 ms |", "|---|---|---|"]  # fmt: skip
    lines += [f"| {k} | {s['p50']:.0f} | {s['p95']:.0f} |" for k, s in stats.items() if s]
    (OUT / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if cut == args.calls else 1


if __name__ == "__main__":
    sys.exit(main())
