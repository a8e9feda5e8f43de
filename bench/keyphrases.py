"""Key-phrase scoring of caller audio with the Whisper decoder: is it worth its CPU time?

For each utterance the encoder runs once; CTranslate2's `Whisper.align` then forces each key phrase
("medarbejder", "menneske", "en person", "stil mig videre", "tale med nogen", "pas", "kørekort",
"flytte", "læge") through the decoder on that encoding, and the mean log-probability of its text
tokens is the phrase's score. The bench reports, per utterance, the best phrase and the best human
phrase score, the separation between human requests and topic requests, and the CPU time of the
scoring alone. Speech: espeak-ng `da`, 150 wpm, 8 kHz µ-law (the suite's condition).

    .venv/bin/python bench/keyphrases.py      # → bench/out/keyphrases.json and .md
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from understanding import HUMAN, Condition  # noqa: E402

from voicebot.asr.whisper import HOP, context_frames  # noqa: E402
from voicebot.gateway import build_services  # noqa: E402

OUT = REPO / "bench" / "out"
HUMAN_PHRASES = ["medarbejder", "menneske", "en person", "stil mig videre", "tale med nogen"]
TOPIC_PHRASES = ["pas", "kørekort", "flytte", "læge"]
TOPIC_REQUESTS = ["Jeg skal have fornyet mit pas.", "Hvornår har I åbent?", "Jeg vil gerne skifte læge.",
                  "Jeg skal flytte.", "Mit kørekort er udløbet.", "Jeg har set en rotte."]  # fmt: skip


def scorer(rec: object):  # type: ignore[no-untyped-def]
    import ctranslate2

    fw, tok = rec._fw, rec._tok  # type: ignore[attr-defined]
    phrases = HUMAN_PHRASES + TOPIC_PHRASES
    tokens = [tok.encode(" " + p) for p in phrases]
    start = [*tok.sot_sequence, tok.no_timestamps]

    def score(pcm16k: np.ndarray) -> tuple[dict[str, float], float]:
        x = pcm16k.astype(np.float32) / 32768.0
        frames = context_frames(len(x), min_ctx_s=rec.min_ctx_s, tail_s=rec.tail_s)  # type: ignore[attr-defined]
        padded = np.zeros(frames * HOP, np.float32)
        padded[: min(len(x), len(padded))] = x[: len(padded)]
        feats = fw.feature_extractor(padded, padding=0)[:, :frames]
        sv = ctranslate2.StorageView.from_array(np.ascontiguousarray(feats[None], dtype=np.float32))
        enc = np.array(fw.model.encode(sv, to_cpu=True))  # the encoder a decode has already paid for
        t0 = time.process_time()
        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(enc, len(tokens), axis=0)))
        res = fw.model.align(batch, start, tokens, frames)
        cpu = time.process_time() - t0
        probs = [np.maximum(np.asarray(r.text_token_probs), 1e-9) for r in res]
        return {p: float(np.mean(np.log(pr))) for p, pr in zip(phrases, probs, strict=True)}, cpu

    return score


def main() -> int:
    services = build_services()
    rec = services.recognizer(services.dialplans.get("odder"))
    score = scorer(rec)
    cond = Condition("base")
    rows, cpu = [], []
    for kind, texts in (("human", HUMAN), ("topic", TOPIC_REQUESTS)):
        for k, text in enumerate(texts):
            sc, dt = score(cond.speak(text, k))
            cpu.append(dt)
            best = max(sc, key=lambda p: sc[p])
            rows.append({"kind": kind, "text": text, "best": best, "best_score": round(sc[best], 2),
                         "human_max": round(max(sc[p] for p in HUMAN_PHRASES), 2)})  # fmt: skip
    human = [r["human_max"] for r in rows if r["kind"] == "human"]
    topic = [r["human_max"] for r in rows if r["kind"] == "topic"]
    summary = {
        "human_requests_best_is_human": sum(r["best"] in HUMAN_PHRASES for r in rows if r["kind"] == "human"),
        "human_requests": len(human), "topic_requests_best_is_human": sum(
            r["best"] in HUMAN_PHRASES for r in rows if r["kind"] == "topic"), "topic_requests": len(topic),
        "human_score_min": min(human), "topic_human_score_max": max(topic),
        "separable_by_a_threshold": min(human) > max(topic),
        "scoring_cpu_s_p50": round(float(np.percentile(cpu, 50)), 3),
        "scoring_cpu_s_p95": round(float(np.percentile(cpu, 95)), 3),
    }  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    doc = {"summary": summary, "rows": rows}
    (OUT / "keyphrases.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md = ["# Key-phrase scoring (Whisper align)", "", "| kind | text | best phrase | score | best human |",
          "|---|---|---|---|---|"]  # fmt: skip
    md += [f"| {r['kind']} | {r['text']} | {r['best']} | {r['best_score']} | {r['human_max']} |" for r in rows]
    md += ["", "```", json.dumps(summary, indent=2), "```"]
    (OUT / "keyphrases.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
