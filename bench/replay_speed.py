"""Replay speed: how many times faster than real time a recorded call runs offline.

Synthesises a few Danish calls with espeak-ng (8 kHz G.711 telephone audio: greeting wait,
a question, a follow-up, silence), replays each through the real pipeline with the embedded
default engines, and reports audio seconds / wall seconds. Writes bench/out/replay_speed.{json,md}.

    .venv/bin/python bench/replay_speed.py [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from speechkit import espeak_pcm  # noqa: E402

from voicebot.gateway import build_services  # noqa: E402
from voicebot.replay import replay_call  # noqa: E402
from voicebot.transports.wav import CallAudio  # noqa: E402

QUESTIONS = [
    ("Hvad koster et nyt pas?", "Tak, det var det hele."),
    ("Hvordan skifter jeg læge?", "Nej tak, farvel."),
    ("Jeg har set en rotte i haven.", "Tak for hjælpen."),
    ("Hvornår har borgerservice åbent?", "Nej, det var alt."),
    ("Jeg skal have et nyt sundhedskort.", "Farvel."),
    ("Jeg kan ikke logge på MitID.", "Nej tak."),
]


def make_call(q1: str, q2: str, rate: int = 8000) -> CallAudio:
    def pause(s: float) -> np.ndarray:
        return np.zeros(int(s * rate), np.int16)

    parts = [pause(6.0), espeak_pcm(q1, rate, wpm=130), pause(9.0), espeak_pcm(q2, rate, wpm=130), pause(1.0)]
    return CallAudio(np.concatenate(parts), rate)


async def run(n: int) -> dict:
    services = build_services()
    services.recognizer()  # load once, outside the timing
    services.synthesizer()
    rows = []
    for i in range(n):
        audio = make_call(*QUESTIONS[i % len(QUESTIONS)])
        t0 = time.perf_counter()
        res = await replay_call(audio, services=services, plan=services.dialplans.get("default"))
        wall = time.perf_counter() - t0
        rows.append({"call_s": round(res.duration_s, 2), "wall_s": round(wall, 3),
                     "x_realtime": round(res.duration_s / wall, 2), "outcome": res.record.outcome,
                     "intents": res.record.intents})  # fmt: skip
    total_audio = sum(r["call_s"] for r in rows)
    total_wall = sum(r["wall_s"] for r in rows)
    xs = sorted(r["x_realtime"] for r in rows)
    return {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "engines": "whisper-base int8 (faster-whisper) + espeak-ng da",
        "calls": n,
        "audio_s": round(total_audio, 1),
        "wall_s": round(total_wall, 2),
        "x_realtime": round(total_audio / total_wall, 2),
        "x_realtime_min": xs[0],
        "x_realtime_median": xs[len(xs) // 2],
        "per_call": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=6)
    args = ap.parse_args()
    result = asyncio.run(run(args.calls))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "replay_speed.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    md = ["| calls | audio s | wall s | × real time (all) | min | median |", "|---|---|---|---|---|---|",
          f"| {result['calls']} | {result['audio_s']} | {result['wall_s']} | {result['x_realtime']} | "
          f"{result['x_realtime_min']} | {result['x_realtime_median']} |",
          "", f"machine: {result['machine']}; engines: {result['engines']}"]  # fmt: skip
    (out / "replay_speed.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
