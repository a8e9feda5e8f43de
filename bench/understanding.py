"""Understanding over a phone line, per condition: intent accuracy from audio, confident-wrong, ja/nej at a
confirm question, human requests, WER on real recordings, and CPU time per turn.

    .venv/bin/python bench/understanding.py            # the one-factor grid around da/150 wpm/µ-law/clean
    .venv/bin/python bench/understanding.py --quick    # 3 conditions, fewer phrases (a smoke run)

Speech: espeak-ng Danish voices (da, da+m3, da+f2, da+klatt), 130–190 wpm, pitch 35/65, then 8 kHz G.711
µ-law or A-law, 0 % / 3 % packet loss, background noise at 20 / 10 dB SNR. Each factor is varied alone
around the base condition. Topics come from the held-out split (voicebot/intent/data/heldout.yaml, never
trained on); yes/no answers are heard with the prompt the dialog sets at a confirm question (and, for
comparison, with the plan's ordinary prompt); human requests are the issue's phrases. Real recordings:
the LibriVox UDHR segments of ../shared/corpus/danish_speech, through the same line (WER).
Writes bench/out/understanding.json and bench/out/understanding.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from speechkit import add_noise, espeak_pcm, packet_loss  # noqa: E402

from voicebot.asr.vocabulary import YES_NO_PROMPT, build_prompt  # noqa: E402
from voicebot.asr.wer import corpus_wer  # noqa: E402
from voicebot.audio.resample import resample  # noqa: E402
from voicebot.gateway import build_services  # noqa: E402
from voicebot.intent.base import TOPIC_INTENTS  # noqa: E402
from voicebot.intent.knowledge import DATA_DIR  # noqa: E402
from voicebot.intent.yesno import yes_or_no  # noqa: E402

OUT = REPO / "bench" / "out"
YES_NO = {"ja": "ja", "nej": "nej", "ja tak": "ja", "nej tak": "nej", "jo": "ja", "jep": "ja", "nix": "nej",
          "det er rigtigt": "ja"}  # fmt: skip
HUMAN = ["Medarbejder.", "Menneske.", "En person.", "Stil mig videre.", "Jeg vil gerne tale med nogen.",
         "Jeg vil gerne tale med en medarbejder.", "Må jeg tale med et menneske?", "Kan jeg få en person?"]  # fmt: skip
CONFIRM_PROMPT = YES_NO_PROMPT  # what the session sets while a confirm question is open


@dataclass(frozen=True)
class Condition:
    name: str
    voice: str = "da"
    wpm: int = 150
    pitch: int = 50
    law: str = "ulaw"
    loss: float = 0.0
    snr_db: float | None = None

    def speak(self, text: str, seed: int) -> np.ndarray:
        pcm = espeak_pcm(text, 8000, voice=self.voice, wpm=self.wpm, pitch=self.pitch, law=self.law)
        if self.snr_db is not None:
            pcm = add_noise(pcm, self.snr_db, seed)
        if self.loss:
            pcm = packet_loss(pcm, 8000, self.loss, seed)
        return resample(pcm, 8000, 16000)

    def line(self, pcm16k: np.ndarray, seed: int) -> np.ndarray:
        """A real recording through the same phone line."""
        from voicebot.audio.g711 import telephone_band

        pcm = telephone_band(resample(pcm16k, 16000, 8000), self.law)
        if self.snr_db is not None:
            pcm = add_noise(pcm, self.snr_db, seed)
        if self.loss:
            pcm = packet_loss(pcm, 8000, self.loss, seed)
        return resample(pcm, 8000, 16000)


def conditions(quick: bool) -> list[Condition]:
    base = Condition("base da 150wpm p50 ulaw")
    if quick:
        return [base, Condition("da+m3 190wpm", voice="da+m3", wpm=190), Condition("noise 10dB", snr_db=10.0)]
    return [
        base,
        *(Condition(f"voice {v}", voice=v) for v in ("da+m3", "da+f2", "da+klatt")),
        Condition("130 wpm", wpm=130), Condition("190 wpm", wpm=190),
        Condition("pitch 35", pitch=35), Condition("pitch 65", pitch=65),
        Condition("A-law", law="alaw"), Condition("loss 3%", loss=0.03),
        Condition("noise 20dB", snr_db=20.0), Condition("noise 10dB", snr_db=10.0),
    ]  # fmt: skip


def heldout(per_intent: int) -> list[tuple[str, str]]:
    doc = yaml.safe_load((DATA_DIR / "heldout.yaml").read_text(encoding="utf-8"))
    items = doc.get("intents", doc) if isinstance(doc, dict) else {}
    out = []
    for intent, phrases in items.items():
        if intent in TOPIC_INTENTS:
            out += [(p, intent) for p in list(phrases)[:per_intent]]
    return out


def run(args: argparse.Namespace) -> dict:
    services = build_services()
    plan = services.dialplans.get("odder")
    rec, engine = services.recognizer(plan), services.intent_engine
    prompt = build_prompt(plan.kommune, list(plan.vocabulary))
    answer_at = plan.thresholds.answer
    low = plan.thresholds.confirm if plan.thresholds.confirm is not None else answer_at
    topics = heldout(args.per_intent)
    real = []
    if not args.quick:
        from asr_sets import real as real_items

        real = [i for i in real_items() if i.set == "real_udhr"]
    rows = []
    for c in conditions(args.quick):
        cpu: list[float] = []

        def hear(pcm: np.ndarray, pr: str, cpu: list[float] = cpu) -> str:
            t0 = time.process_time()  # all threads of this process: the CPU a turn costs
            text = rec.transcribe(pcm, prompt=pr).text
            cpu.append(time.process_time() - t0)
            return text

        ok = wrong_conf = false_human = 0
        per_topic: dict[str, list[int]] = {}
        for k, (text, intent) in enumerate(topics):
            res = engine.classify(hear(c.speak(text, k), prompt), kommune=plan.kommune)
            hit = res.intent == intent
            ok += hit
            wrong_conf += (not hit) and res.intent != "ukendt" and res.confidence >= answer_at
            false_human += res.intent == "medarbejder" and res.confidence >= low  # the dialog would transfer
            per_topic.setdefault(intent, [0, 0])[0] += hit
            per_topic[intent][1] += 1
        yn = {name: 0 for name in ("context_prompt", "plain_prompt")}
        for k, (text, want) in enumerate(YES_NO.items()):
            pcm = c.speak(text, 100 + k)
            yn["context_prompt"] += yes_or_no(hear(pcm, CONFIRM_PROMPT)) == want
            yn["plain_prompt"] += yes_or_no(hear(pcm, prompt)) == want
        human_ok = sum(
            engine.classify(hear(c.speak(t, 200 + k), prompt), kommune=plan.kommune).intent == "medarbejder"
            for k, t in enumerate(HUMAN)
        )
        wer = None
        if real:
            wer = corpus_wer([(i.ref, hear(c.line(i.pcm, 300 + k), prompt)) for k, i in enumerate(real)])
        rows.append({
            "condition": c.name, "topics": len(topics), "intent_accuracy": round(ok / len(topics), 3),
            "confident_wrong": round(wrong_conf / len(topics), 3),
            "per_topic": {t: round(h / n, 2) for t, (h, n) in sorted(per_topic.items())},
            "yes_no_context_prompt": round(yn["context_prompt"] / len(YES_NO), 3),
            "yes_no_plain_prompt": round(yn["plain_prompt"] / len(YES_NO), 3),
            "human_by_voice": round(human_ok / len(HUMAN), 3),
            "false_human_transfers": round(false_human / len(topics), 3),
            "real_udhr_wer": None if wer is None else round(wer, 3),
            "cpu_s_per_turn_p50": round(float(np.percentile(cpu, 50)), 3),
            "cpu_s_per_turn_p95": round(float(np.percentile(cpu, 95)), 3),
        })  # fmt: skip
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return {"machine": f"{platform.machine()}, {platform.processor() or '?'}, shared CPUs", "rows": rows}


def markdown(doc: dict) -> str:
    keys = ["condition", "intent_accuracy", "confident_wrong", "yes_no_context_prompt", "yes_no_plain_prompt",
            "human_by_voice", "false_human_transfers", "real_udhr_wer", "cpu_s_per_turn_p50",
            "cpu_s_per_turn_p95"]  # fmt: skip
    lines = ["# Understanding over a phone line", "", f"Machine: {doc['machine']}", "",
             "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]  # fmt: skip
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in doc["rows"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="3 conditions, 1 phrase per topic, no real recordings")
    p.add_argument("--per-intent", type=int, default=2, help="held-out phrases per topic (default 2)")
    args = p.parse_args()
    if args.quick:
        args.per_intent = 1
    doc = run(args)
    OUT.mkdir(parents=True, exist_ok=True)
    name = "understanding_quick" if args.quick else "understanding"
    (OUT / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / f"{name}.md").write_text(markdown(doc), encoding="utf-8")
    print(markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
