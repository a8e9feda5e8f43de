"""Replay suites: offline throughput and end-to-end intent accuracy on the shipped suites.

Runs every suite under tests/calls/ (41 synthetic Danish calls at 8 kHz + 12 SIPp DTMF captures)
through the real pipeline with the embedded default engines, at --jobs 1 and 2, and reports
calls/min, × real time, intent accuracy from audio, response-gap p50/p95 and pass counts.
Targets: ≥ 10× real time offline; intent accuracy ≥ 85 % on 8 kHz synthetic audio.
Writes bench/out/replay.{json,md}.

    .venv/bin/python bench/replay.py [--jobs 1 2] [--suite tests/calls/synthetic]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voicebot.clock import MEASURED  # noqa: E402
from voicebot.gateway import build_services  # noqa: E402
from voicebot.suite.cases import load_suite  # noqa: E402
from voicebot.suite.offline import run_offline  # noqa: E402
from voicebot.suite.results import summarize  # noqa: E402

SUITES = ("synthetic", "sipp_dtmf")


def run(folder: Path, jobs: int) -> dict:
    suite = load_suite(folder)
    services = build_services(dialplans_dir=suite.dialplans_dir)
    services.recognizer()  # load the model outside the timing
    t0 = time.perf_counter()
    # a latency bench: charge what the work took here (suites default to fixed timing)
    results = asyncio.run(run_offline(suite, services, jobs=jobs, progress=sys.stderr.isatty(), timing=MEASURED))
    summary = summarize(results, wall_s=time.perf_counter() - t0, mode="offline")
    summary["failures"] = {r.name: r.error or "; ".join(r.failures) for r in results if not r.passed}
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--suite", type=Path, action="append", default=None)
    args = ap.parse_args(argv)
    folders = args.suite or [ROOT / "tests" / "calls" / s for s in SUITES]
    rows = []
    for folder in folders:
        for jobs in args.jobs:
            s = run(folder, jobs)
            rows.append({"suite": folder.name, "jobs": jobs, **s})
            print(f"{folder.name} jobs={jobs}: {s['calls_per_min']} calls/min, {s['x_realtime']}× real time, "
                  f"intent accuracy {s['intent_accuracy']}, passed {s['passed']}/{s['calls']}", flush=True)  # fmt: skip
    machine = f"{platform.machine()} {os.cpu_count()} cpu, {platform.python_version()}"
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "replay.json").write_text(json.dumps({"machine": machine, "runs": rows}, indent=2, ensure_ascii=False))
    md = [
        f"Machine: {machine}. Targets: ≥ 10× real time; intent accuracy ≥ 85 % (8 kHz synthetic).",
        "",
        "| suite | jobs | calls | audio s | wall s | calls/min | × real time | intent acc. | gap p50 ms | gap p95 ms "
        "| passed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        acc = "–" if r["intent_accuracy"] is None else f"{100 * r['intent_accuracy']:.1f} % of {r['intents_expected']}"
        md.append(
            f"| {r['suite']} | {r['jobs']} | {r['calls']} | {r['audio_s']} | {r['wall_s']} | {r['calls_per_min']} | "
            f"{r['x_realtime']} | {acc} | {r['response_gap_p50_ms']} | {r['response_gap_p95_ms']} | "
            f"{r['passed']}/{r['calls']} |"
        )
    (out / "replay.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
