"""Confidence calibration: a monotone map from the model's raw score to the confidence we report.

The anchors are fitted by k-fold cross-validation on the training phrases, clean, with simulated
ASR noise and as real Whisper transcripts of them (voicebot.intent.asr_data), so that a confidence
of 0.6 (the dialplans' default answer threshold) marks the score above which at least 95% of
cross-validated predictions were right, and 0.35 (the confirm band's floor) the score above which
85% were. The held-out split is never used here.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicebot.intent.asr_data import Transcript
from voicebot.intent.model import IntentModel
from voicebot.intent.noise import corrupt
from voicebot.intent.normalize import clean

TARGETS = ((0.85, 0.35), (0.95, 0.6), (0.97, 0.8))  # (CV precision above the raw score, confidence)
ASR_SHARE = 1.0  # the real transcripts of one phrase weigh together as much as the phrase itself


def raw_score(prob: float, coverage: float) -> float:
    """The model's probability, discounted when many words are unknown (foreign or garbled speech)."""
    return prob * (0.5 + 0.5 * coverage)


@dataclass(frozen=True)
class Calibrator:
    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def __call__(self, raw: float) -> float:
        return float(np.interp(raw, self.xs, self.ys))

    @classmethod
    def load(cls, path: Path) -> Calibrator:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(data["raw"]), tuple(data["confidence"]))


def fit(pairs: list[tuple[float, bool]] | list[tuple[float, bool, float]]) -> Calibrator:
    """Anchors from (raw score, correct[, weight]) pairs: for each target precision the lowest raw score
    whose top set (all pairs scoring at least that) still reaches it, by weight."""
    ordered: list[tuple[float, ...]] = sorted(pairs, key=lambda p: -p[0])
    scores = np.array([p[0] for p in ordered])
    w = np.array([p[2] if len(p) > 2 else 1.0 for p in ordered])
    correct = np.cumsum([p[1] * wi for p, wi in zip(ordered, w, strict=True)]) / np.cumsum(w)
    xs, ys = [0.0], [0.0]
    for precision, conf in TARGETS:
        ok = np.nonzero(correct >= precision)[0]
        x = float(scores[ok[-1]]) if len(ok) else 1.0
        x = min(max(x, xs[-1] + 1e-3), 0.999)
        xs.append(x)
        ys.append(conf)
    xs.append(1.0)
    ys.append(1.0)
    return Calibrator(tuple(xs), tuple(ys))


def cross_validate(
    examples: list[tuple[str, str]],
    *,
    asr: list[Transcript] | None = None,
    folds: int = 5,
    noisy: int = 1,
    seed: int = 11,
):
    """(raw score, correct, weight) for every phrase, predicted by a model that did not see it: the
    phrase, a simulated-noise copy (weight 1 each), and every real ASR transcript of it (weighing
    ASR_SHARE together). Folds split by phrase, so a model never trains on a transcript of a phrase
    it is tested on."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    heard: dict[str, list[Transcript]] = {}
    for t in asr or []:
        heard.setdefault(t.source, []).append(t)
    pairs: list[tuple[float, bool, float]] = []
    for k in range(folds):
        test = [examples[i] for i in order[k::folds]]
        train = [examples[i] for j, i in enumerate(order) if j % folds != k]
        held = {t for t, _ in test}
        extra = [(t.text, t.intent) for t in asr or [] if t.source not in held and clean(t.text)]
        model = IntentModel(train, extra=extra, seed=seed + k)
        for text, intent in test:
            spoken = [t.text for t in heard.get(text, ()) if clean(t.text)]
            variants = [(v, 1.0) for v in [text] + [corrupt(text, rng) for _ in range(noisy)]]
            variants += [(v, ASR_SHARE / len(spoken)) for v in spoken]
            for variant, weight in variants:
                ranked, coverage = model.predict(variant)
                pairs.append((raw_score(ranked[0][1], coverage), ranked[0][0] == intent, weight))
    return pairs


def write(cal: Calibrator, path: Path, n: int) -> None:
    path.write_text(
        json.dumps({"raw": cal.xs, "confidence": cal.ys, "cv_predictions": n, "targets": TARGETS}, indent=1) + "\n",
        encoding="utf-8",
    )
