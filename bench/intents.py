"""Intent engine benchmark: held-out phrases (clean, with simulated ASR noise, and through real ASR) and
the 29 real question headings from the shared corpus. Writes bench/out/intents.json and bench/out/intents.md.

"heldout_asr" is the held-out split spoken by espeak-ng (8 kHz G.711, as the call suite) and transcribed by
the project's Whisper with the call prompt; the transcripts are cached in voicebot/intent/data/asr_heldout.jsonl
(remake with bench/make_asr_augmentation.py heldout). "heldout_asr_informative" is its subset that still
shares a content word with the phrase spoken (the rest carries nothing a text model could recover).

    .venv/bin/python bench/intents.py
"""

from __future__ import annotations

import json
import platform
import random
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from voicebot.config import load_settings  # noqa: E402
from voicebot.intent.asr_data import informative, load_transcripts  # noqa: E402
from voicebot.intent.engine import DanishIntentEngine  # noqa: E402
from voicebot.intent.evaluation import evaluate  # noqa: E402
from voicebot.intent.human import HUMAN_INTENT, asks_for_human  # noqa: E402
from voicebot.intent.knowledge import DATA_DIR  # noqa: E402
from voicebot.intent.model import load_phrases  # noqa: E402
from voicebot.intent.noise import corrupt  # noqa: E402
from voicebot.intent.normalize import clean, to_ascii  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "kommune_faq" / "kommune_faq.json"
OUT = REPO / "bench" / "out"


TRANSFER_AT = 0.35  # the dialog transfers on "medarbejder" at the confirm bar (default dialplan 0.35)


def _transfers(engine: DanishIntentEngine, text: str) -> bool:
    res = engine.classify(text, kommune="Odder")
    return res.intent == HUMAN_INTENT and res.confidence >= TRANSFER_AT


def human_transfers(engine: DanishIntentEngine, items: list[tuple[str, str]]) -> dict:
    """Requests for a person that transfer, and transfers nobody asked for (by the model and by the rule)."""
    asked = [t for t, i in items if i == HUMAN_INTENT]
    other = [t for t, i in items if i != HUMAN_INTENT]
    hit = sum(_transfers(engine, t) for t in asked)
    false = sum(_transfers(engine, t) for t in other)
    return {"human_requests": len(asked), "transferred": hit, "others": len(other), "false_transfers": false,
            "rule_fired_on_others": sum(asks_for_human(to_ascii(clean(t))) for t in other)}


def main() -> int:
    t0 = time.perf_counter()
    engine = DanishIntentEngine.load(cache_dir=load_settings().cache_dir)
    load_s = time.perf_counter() - t0
    heldout = load_phrases(DATA_DIR / "heldout.yaml")
    rng = random.Random(2024)
    noisy = [(corrupt(t, rng), i) for t, i in heldout for _ in range(3)]
    labels = yaml.safe_load((DATA_DIR / "headings.yaml").read_text(encoding="utf-8"))
    questions = {q["question"] for q in json.loads(CORPUS.read_text(encoding="utf-8"))["questions"]}
    headings = [(r["question"], r["intent"]) for r in labels if r["question"] in questions]
    with_ctx = {r["question"]: r["intent"] for r in labels if r.get("needs_context")}
    asr = load_transcripts(DATA_DIR / "asr_heldout.jsonl")
    runs = {
        "heldout": evaluate(engine, heldout),
        "heldout_noisy": evaluate(engine, noisy),
        "heldout_asr": evaluate(engine, [(t.text, t.intent) for t in asr]),
        "heldout_asr_informative": evaluate(
            engine, [(t.text, t.intent) for t in asr if informative(t.text, t.source)]
        ),
        "headings": evaluate(engine, headings),
        "headings_followup": evaluate(
            engine, headings, context=lambda gold: {"last_topic": gold}
        ),
    }
    train_asr = load_transcripts(DATA_DIR / "asr_augmented.jsonl")
    human = {
        "heldout": human_transfers(engine, heldout),
        "heldout_noisy": human_transfers(engine, noisy),
        "heldout_asr": human_transfers(engine, [(t.text, t.intent) for t in asr]),
        # training transcripts: a fair test of the text rule (not of the model, which saw them)
        "train_asr (rule only)": human_transfers(engine, [(t.text, t.intent) for t in train_asr]),
    }
    # latency over everything, many passes, once loaded
    texts = [t for t, _ in heldout + noisy + headings]
    times = []
    for _ in range(3):
        for t in texts:
            s = time.perf_counter()
            engine.classify(t, kommune="Odder")
            times.append((time.perf_counter() - s) * 1000)
    times.sort()
    result = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "load_s": round(load_s, 2),
        "runs": {k: v.to_dict() for k, v in runs.items()},
        "errors": {k: v.errors for k, v in runs.items()},
        "latency_ms": {"n": len(times), "p50": round(times[len(times) // 2], 3),
                       "p95": round(times[int(0.95 * len(times))], 3), "max": round(times[-1], 3)},
        "needs_context": sorted(with_ctx),
        "human": human,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "intents.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["| set | n | accuracy | macro-F1 | confident-wrong (≥0.6) | answered (≥0.6) |",
             "|---|---|---|---|---|---|"]
    for k, v in runs.items():
        lines.append(f"| {k} | {v.n} | {v.accuracy:.3f} | {v.macro_f1:.3f} | {v.confident_wrong_rate:.3f} | "
                     f"{v.answered_rate:.3f} |")
    lat = result["latency_ms"]
    lines.append(f"\nlatency per query once loaded: p50 {lat['p50']} ms, p95 {lat['p95']} ms (n={lat['n']}); "
                 f"load {result['load_s']} s")
    lines += ["", "| set (human requests) | asked | transferred | others | false transfers | rule fired on others |",
              "|---|---|---|---|---|---|"]
    for k, h in human.items():
        lines.append(f"| {k} | {h['human_requests']} | {h['transferred']} | {h['others']} | {h['false_transfers']} | "
                     f"{h['rule_fired_on_others']} |")
    (OUT / "intents.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    for k in ("heldout", "headings"):
        for e in runs[k].errors:
            print(f"  {k}: {e['true']} → {e['predicted']} ({e['confidence']:.2f}) {e['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
