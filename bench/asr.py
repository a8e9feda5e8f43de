"""ASR benchmark: WER, real-time factor and end-of-turn latency per engine and per set.

    .venv/bin/python bench/asr.py [--sets synth,real] [--baseline] [--phone-real]
                                  [--vosk-model DIR] [--sherpa-model DIR] [--limit N]

Writes bench/out/asr.json and bench/out/asr.md.

Latency is simulated from measured decode times, as the call pipeline runs it: the endpointer
marks a pause 250 ms after the end of speech (a speculative decode starts then) and fires the
turn end at 600 ms. Without speculation the transcript is ready `decode` after the turn end;
with it, `max(0, 0.25 + decode - 0.6)` after. Both are reported for utterances up to 4 s, as
milliseconds after the turn end (add 600 ms for "after the last voiced sample").
Each utterance is decoded once with what the pause carries: 200 ms pre-roll + speech + 250 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from asr_sets import Item, real, synthetic  # noqa: E402

from voicebot.asr.factory import create_recognizer  # noqa: E402
from voicebot.asr.vocabulary import build_prompt  # noqa: E402
from voicebot.asr.wer import corpus_wer, normalize  # noqa: E402
from voicebot.config import Settings  # noqa: E402

PREROLL_S, PAUSE_S, ENDPOINT_S, SHORT_S = 0.2, 0.25, 0.6, 4.0
OUT = REPO / "bench" / "out"


class StockWhisper:
    """Baseline: faster-whisper's own transcribe (30 s window, no prompt), greedy, Danish."""

    name = "whisper-stock"

    def __init__(self, settings: Settings) -> None:
        from faster_whisper import WhisperModel

        from voicebot.asr.whisper import embedded_base_model

        path = embedded_base_model(settings.cache_dir)
        self._m = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=settings.asr_threads)

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None) -> Any:
        segs, _ = self._m.transcribe(audio.astype(np.float32) / 32768.0, language="da", beam_size=1)
        return type("R", (), {"text": " ".join(s.text.strip() for s in segs)})()


def pad(pcm: np.ndarray) -> np.ndarray:
    z = np.zeros
    return np.concatenate([z(int(PREROLL_S * 16000), np.int16), pcm, z(int(PAUSE_S * 16000), np.int16)])


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def run_engine(name: str, rec: Any, items: list[Item], prompt: str | None, verbose: bool) -> list[dict[str, Any]]:
    rec.transcribe(pad(items[0].pcm), prompt=prompt)  # warm-up (first call allocates)
    rows = []
    for it in items:
        audio = pad(it.pcm)
        t0 = time.perf_counter()
        res = rec.transcribe(audio, prompt=prompt)
        dt = time.perf_counter() - t0
        rows.append({"engine": name, "set": it.set, "id": it.id, "dur": it.duration, "decode": dt,
                     "ref": it.ref, "hyp": res.text})  # fmt: skip
        if verbose:
            print(f"{name:14s} {it.set:22s} {dt * 1000:6.0f} ms  {it.ref!r} -> {res.text!r}", flush=True)
    return rows


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["engine"], r["set"])].append(r)
    out = []
    for (engine, name), rs in groups.items():
        short = [r for r in rs if r["dur"] <= SHORT_S]
        plain = [r["decode"] * 1000 for r in short]
        spec = [max(0.0, PAUSE_S + r["decode"] - ENDPOINT_S) * 1000 for r in short]
        out.append({
            "engine": engine, "set": name, "n": len(rs),
            "ref_words": sum(len(normalize(r["ref"])) for r in rs),
            "wer": corpus_wer([(r["ref"], r["hyp"]) for r in rs]),
            "rtf": sum(r["decode"] for r in rs) / sum(r["dur"] for r in rs),
            "n_short": len(short),
            "lat_p50_ms": pct(plain, 50), "lat_p95_ms": pct(plain, 95),
            "spec_p50_ms": pct(spec, 50), "spec_p95_ms": pct(spec, 95),
        })  # fmt: skip
    return out


def markdown(summary: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"ASR benchmark on {meta['machine']} ({meta['cpus']} CPUs), {meta['date']}.",
        "Latency: ms after the turn end (endpoint at 600 ms of silence), utterances ≤ 4 s;",
        "'spec' = speculative decode started at the 250 ms pause.",
        "",
        "| engine | set | n | words | WER | RTF | p50 | p95 | spec p50 | spec p95 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summary:
        lat = (s["lat_p50_ms"], s["lat_p95_ms"], s["spec_p50_ms"], s["spec_p95_ms"])
        lat_s = " | ".join("–" if np.isnan(x) else f"{x:.0f}" for x in lat)
        lines.append(
            f"| {s['engine']} | {s['set']} | {s['n']} | {s['ref_words']} | {s['wer'] * 100:.1f}% "
            f"| {s['rtf']:.2f} | {lat_s} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="synth,real", help="comma list of: synth, real")
    ap.add_argument("--phone-real", action="store_true", help="also run the real sets through 8 kHz G.711")
    ap.add_argument("--baseline", action="store_true", help="also run stock faster-whisper (slow)")
    ap.add_argument("--no-prompt", action="store_true", help="tuned whisper without the vocabulary prompt")
    ap.add_argument("--vosk-model", help="a Vosk model folder (no Danish model ships in a registry)")
    ap.add_argument("--sherpa-model", help="a sherpa-onnx offline transducer folder")
    ap.add_argument("--limit", type=int, default=0, help="only the first N items per set (quick runs)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    sets = set(args.sets.split(","))
    items: list[Item] = []
    if "synth" in sets:
        items += synthetic()
    if "real" in sets:
        items += real()
        if args.phone_real:
            items += real(phone=True)
    if args.limit:
        per: dict[str, int] = defaultdict(int)
        items = [it for it in items if (per.__setitem__(it.set, per[it.set] + 1) or per[it.set] <= args.limit)]

    settings = Settings()
    prompt = None if args.no_prompt else build_prompt(None, [])
    engines: list[tuple[str, Any, str | None]] = [("whisper-tuned", create_recognizer(settings, "whisper"), prompt)]
    if args.baseline:
        engines.append(("whisper-stock", StockWhisper(settings), None))
    if args.vosk_model:
        engines.append(("vosk", create_recognizer(settings, "vosk", args.vosk_model), None))
    if args.sherpa_model:
        engines.append(("sherpa", create_recognizer(settings, "sherpa", args.sherpa_model), None))

    rows: list[dict[str, Any]] = []
    for name, rec, p in engines:
        rows += run_engine(name, rec, items, p, args.verbose)
    summary = summarise(rows)
    meta = {
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "asr_threads": settings.asr_threads,
        "prompt": prompt,
        "load_avg_1m": os.getloadavg()[0],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "asr.json").write_text(
        json.dumps({"meta": meta, "summary": summary, "rows": rows}, ensure_ascii=False, indent=1), "utf-8"
    )
    md = markdown(summary, meta)
    (OUT / "asr.md").write_text(md, "utf-8")
    print(md)
    print(f"median decode over all items: {statistics.median(r['decode'] for r in rows) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
