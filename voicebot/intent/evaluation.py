"""Evaluation of an intent engine on labelled utterances: accuracy, macro-F1, confusions, and the
confident-wrong rate (wrong intent at or above the answer threshold), plus per-query latency."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.errors import InputError
from voicebot.intent.base import SCOPE_INTENTS, UNKNOWN, IntentEngine

DEFAULT_THRESHOLD = 0.6


@dataclass
class EvalReport:
    n: int
    accuracy: float
    macro_f1: float
    confident_wrong_rate: float
    answered_rate: float  # share at or above the threshold (what the bot answers without confirming)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (true, predicted, count)
    latency_ms: dict[str, float] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "confident_wrong_rate": round(self.confident_wrong_rate, 4),
            "answered_rate": round(self.answered_rate, 4),
            "confusions": [{"true": t, "predicted": p, "count": c} for t, p, c in self.confusions],
            "latency_ms": {k: round(v, 3) for k, v in self.latency_ms.items()},
        }


def read_jsonl(path: Path) -> list[tuple[str, str]]:
    """Lines of {"text", "intent"}; blank lines skipped; a bad line is an InputError naming file:line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    out = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append((str(row["text"]), str(row["intent"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f'{path}:{no}: expected {{"text": ..., "intent": ...}}') from exc
    if not out:
        raise InputError(f"{path}: no utterances")
    return out


def evaluate(
    engine: IntentEngine,
    data: Iterable[tuple[str, str]],
    *,
    kommune: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    context: Callable[[str], dict[str, Any] | None] | None = None,
) -> EvalReport:
    rows = list(data)
    pairs: Counter[tuple[str, str]] = Counter()
    wrong_conf = answered = correct = 0
    times: list[float] = []
    errors = []
    for text, gold in rows:
        t0 = time.perf_counter()
        res = engine.classify(text, kommune=kommune, context=context(gold) if context else None)
        times.append((time.perf_counter() - t0) * 1000)
        # a greeting, language or pointer reply is the engine saying "not one of our topics": for a
        # gold label from the intent catalogue that is `ukendt` (scope replies have their own tests)
        got = UNKNOWN if res.intent in SCOPE_INTENTS and gold not in SCOPE_INTENTS else res.intent
        pairs[(gold, got)] += 1
        correct += got == gold
        answered += res.confidence >= threshold
        if got != gold:
            wrong_conf += res.confidence >= threshold
            errors.append({"text": text, "true": gold, "predicted": got, "confidence": res.confidence})
    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    f1s = []
    for lab in labels:
        tp = pairs[(lab, lab)]
        fp = sum(c for (g, p), c in pairs.items() if p == lab and g != lab)
        fn = sum(c for (g, p), c in pairs.items() if g == lab and p != lab)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    times.sort()
    n = len(rows)
    return (
        EvalReport(
            n=n,
            accuracy=correct / n,
            macro_f1=sum(f1s) / len(f1s),
            confident_wrong_rate=wrong_conf / n,
            answered_rate=answered / n,
            confusions=sorted(((g, p, c) for (g, p), c in pairs.items() if g != p), key=lambda x: -x[2]),
            latency_ms={"p50": times[n // 2], "p95": times[min(n - 1, int(0.95 * n))], "max": times[-1]},
            errors=errors,
        )
        if labels
        else EvalReport(0, 0.0, 0.0, 0.0, 0.0)
    )
