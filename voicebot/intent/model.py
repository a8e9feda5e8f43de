"""The trained intent model: features → spelling fix → sparse softmax, with a weight cache.

Training data is the phrase file plus seeded noisy copies (voicebot.intent.noise), plus `extra`:
real Whisper transcripts of the training phrases (voicebot.intent.asr_data), weighted by
`extra_weight`, so the model learns what Whisper does to Danish. Training takes seconds; the
weights are cached on disk keyed by a hash of the data and this module's version, so later loads
take well under a second.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

from voicebot.errors import ConfigError
from voicebot.intent.features import STOPWORDS, raw_features, weight
from voicebot.intent.linear import SparseSoftmax
from voicebot.intent.noise import corrupt
from voicebot.intent.normalize import clean
from voicebot.intent.spelling import Speller

log = logging.getLogger(__name__)
MODEL_VERSION = "knn-lr-4"
AUGMENT = 2  # noisy copies per phrase
EPOCHS = 120
EXTRA_WEIGHT = 1.0  # weight of one real ASR transcript against one phrase


def load_phrases(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a YAML mapping intent → list of phrases (all scalars read as strings)."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read phrases: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of intent → phrases")
    return [(str(t), str(i)) for i, ts in raw.items() for t in (ts or [])]


class IntentModel:
    def __init__(
        self,
        examples: list[tuple[str, str]],
        *,
        extra: list[tuple[str, str]] | None = None,
        extra_weight: float = EXTRA_WEIGHT,
        cache_dir: Path | None = None,
        seed: int = 7,
    ) -> None:
        rng = random.Random(seed)
        extra = list(extra or [])
        synthetic = examples + [(corrupt(t, rng), i) for t, i in examples for _ in range(AUGMENT)]
        train = synthetic + extra
        sample_weight = np.array([1.0] * len(synthetic) + [extra_weight] * len(extra), dtype=np.float32)
        self.intents = sorted({i for _, i in examples})
        raw = [raw_features(t) for t, _ in train]
        df: dict[str, int] = defaultdict(int)
        for groups in raw:
            for g, counts in groups.items():
                for f in counts:
                    df[f"{g}:{f}"] += 1
        n = len(train)
        self._idf = {k: math.log((n + 1) / (v + 1)) + 1.0 for k, v in df.items()}
        self._default_idf = math.log(n + 1) + 1.0
        self._index = {k: j for j, k in enumerate(sorted(df))}
        self.speller = Speller({w for t, _ in examples for w in clean(t).split()})
        spec = (MODEL_VERSION, AUGMENT, EPOCHS, seed, examples, extra, extra_weight)
        key = hashlib.sha256(repr(spec).encode()).hexdigest()[:16]
        cached = cache_dir / f"intent-{key}.npz" if cache_dir else None
        self.lr = SparseSoftmax(len(self._index), len(self.intents))
        if cached and cached.is_file():
            with np.load(cached) as z:
                self.lr.W, self.lr.b = z["W"], z["b"]
            return
        rows = [self._row(weight(g, self._idf, self._default_idf)) for g in raw]
        labels = np.array([self.intents.index(i) for _, i in train], dtype=np.int64)
        self.lr.fit(rows, labels, epochs=EPOCHS, lr=0.1, l2=1e-4, sample_weight=sample_weight)
        if cached:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(".tmp.npz")
                np.savez(tmp, W=self.lr.W, b=self.lr.b)
                tmp.replace(cached)
            except OSError as exc:  # a read-only cache is not fatal
                log.warning("intent model cache not written: %s", exc)

    def _row(self, vec: dict[str, float]) -> list[tuple[int, float]]:
        return [(self._index[k], v) for k, v in vec.items() if k in self._index]

    def predict(self, text: str) -> tuple[list[tuple[str, float]], float]:
        """Every intent with its probability, best first, and the share of content words we know."""
        words = clean(text).split()
        content = [w for w in words if w not in STOPWORDS]
        fixed = self.speller.expand(words)
        known = sum(1 for w in content if self.speller.correct_word(w) is not None)
        coverage = known / len(content) if content else (1.0 if words else 0.0)
        p = self.lr.predict(self._row(weight(raw_features(" ".join(fixed)), self._idf, self._default_idf)))
        ranked = sorted(zip(self.intents, p.tolist(), strict=True), key=lambda kv: -kv[1])
        return ranked, coverage
