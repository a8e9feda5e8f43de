"""N-best fusion: more than one recogniser guess into the intent decision.

Each hypothesis is classified on its own; the intent distributions (the engine's top-3 calibrated
confidences) are averaged with weights from the hypotheses' recogniser scores, and the fused
intent is the one with the most weight. Its confidence is the weighted mean of the calibrated
confidences, so one clear hypothesis among garbled ones does not jump to certainty, and
hypotheses that agree keep theirs. Pure logic: the engine is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from voicebot.intent.base import UNKNOWN, IntentResult


class Classifier(Protocol):
    def classify(
        self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None
    ) -> IntentResult: ...


def fuse(
    engine: Classifier,
    nbest: Sequence[tuple[str, float]],
    *,
    kommune: str | None = None,
    context: dict[str, Any] | None = None,
) -> IntentResult:
    """The fused IntentResult for (text, recogniser score) hypotheses, best first."""
    hyps = [(t, max(0.0, s)) for t, s in nbest if t.strip()]
    if not hyps:
        return IntentResult(UNKNOWN, 0.0)
    results = [engine.classify(t, kommune=kommune, context=context) for t, _ in hyps]
    if len(results) == 1:
        return results[0]
    total = sum(s for _, s in hyps) or float(len(hyps))
    weights = [(s / total) if total else 1.0 / len(hyps) for _, s in hyps]
    mass: dict[str, float] = {}
    for w, res in zip(weights, results, strict=True):
        dist = dict(res.alternatives) if res.alternatives else {res.intent: res.confidence}
        dist.setdefault(res.intent, res.confidence)
        for intent, conf in dist.items():
            mass[intent] = mass.get(intent, 0.0) + w * conf
    ranked = sorted(mass.items(), key=lambda kv: -kv[1])
    intent, confidence = ranked[0]
    # answer and entities from the strongest hypothesis that voted for the fused intent
    source = next((r for r in results if r.intent == intent), results[0])
    entities = {**source.entities, "nbest": len(hyps)}
    return IntentResult(intent, min(1.0, confidence), entities, source.answer, tuple(ranked[:3]))
