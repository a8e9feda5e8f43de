"""Where a turn's decode time goes, and what batching buys: Whisper base (int8, CPU) on short
Danish phone turns, decoded alone and in batches of 2..16, split into feature extraction,
encoder and decoder (generate). CPU seconds are the process's, per utterance.

    .venv/bin/python bench/asr_batch.py [--reps 3] [--sizes 1 2 4 8 16]

Writes bench/out/asr_batch.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from speechkit import espeak_pcm  # noqa: E402

from voicebot.asr.factory import create_recognizer  # noqa: E402
from voicebot.asr.whisper import HOP, context_frames  # noqa: E402
from voicebot.audio.g711 import telephone_band  # noqa: E402
from voicebot.audio.resample import resample  # noqa: E402
from voicebot.config import load_settings  # noqa: E402

OUT = REPO / "bench" / "out"
TEXTS = ["Hvad koster et nyt pas?", "Jeg skal flytte.", "Hvornår har I åbent?", "Jeg vil tale med en medarbejder.",
         "Jeg har mistet mit sundhedskort.", "Der er rotter i min have.", "Ja tak.", "Nej."]  # fmt: skip


def phone_turn(text: str) -> np.ndarray:
    """Telephone audio as the gateway hears it: 8 kHz G.711, up to 16 kHz for the recogniser."""
    return resample(telephone_band(espeak_pcm(text, 8000, wpm=140)), 8000, 16000)


def profile(rec, pcms: list[np.ndarray], reps: int) -> dict:  # type: ignore[no-untyped-def]
    import ctranslate2

    fw, n = rec._fw, len(pcms)
    prompts = [rec._prompt_ids(None)] * n
    t = {"features": 0.0, "encode": 0.0, "generate": 0.0}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(reps):
        t0 = time.perf_counter()
        frames = max(context_frames(len(p), min_ctx_s=rec.min_ctx_s, tail_s=rec.tail_s) for p in pcms)
        feats = []
        for p in pcms:
            padded = np.zeros(frames * HOP, np.float32)
            padded[: len(p)] = p.astype(np.float32)[: len(padded)] / 32768.0
            feats.append(fw.feature_extractor(padded, padding=0)[:, :frames])
        sv = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(feats), dtype=np.float32))
        t1 = time.perf_counter()
        enc = fw.model.encode(sv, to_cpu=False)
        t2 = time.perf_counter()
        fw.model.generate(enc, prompts, beam_size=1, no_repeat_ngram_size=3, max_length=len(prompts[0]) + 40,
                          suppress_blank=True, suppress_tokens=rec._suppress)  # fmt: skip
        t3 = time.perf_counter()
        t["features"] += t1 - t0
        t["encode"] += t2 - t1
        t["generate"] += t3 - t2
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    per = reps * n
    parts = {f"{k}_ms_per_utt": 1000 * v / per for k, v in t.items()}
    return {"batch": n, "wall_ms_per_batch": 1000 * wall / reps, "wall_ms_per_utt": 1000 * wall / per,
            "cpu_ms_per_utt": 1000 * cpu / per, **parts}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    args = ap.parse_args()
    rec = create_recognizer(load_settings(), "whisper")
    turns = [phone_turn(t) for t in TEXTS]
    rec.transcribe(turns[0])
    rows = []
    for n in args.sizes:
        batch = [turns[i % len(turns)] for i in range(n)]
        profile(rec, batch, 1)  # warm-up for this shape
        rows.append(profile(rec, batch, args.reps))
    load = os.getloadavg()[0]
    machine = f"{platform.machine()} {os.cpu_count()} CPU, load {load:.1f}, {load_settings().asr_threads} threads"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "asr_batch.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    md = ["| batch | wall ms/batch | wall ms/utt | CPU ms/utt | features | encoder | decoder |",
          "|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in rows:
        md.append(f"| {r['batch']} | {r['wall_ms_per_batch']:.0f} | {r['wall_ms_per_utt']:.0f} "
                  f"| {r['cpu_ms_per_utt']:.0f} | {r['features_ms_per_utt']:.0f} | {r['encode_ms_per_utt']:.0f} "
                  f"| {r['generate_ms_per_utt']:.0f} |")
    text = f"Whisper base decode profile on {machine} (ms per utterance)\n\n" + "\n".join(md) + "\n"
    (OUT / "asr_batch.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
