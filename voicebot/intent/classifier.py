"""A nearest-neighbour intent classifier over TF-IDF features, with an inverted index.

No training step beyond counting: load time is a second, and adding a phrase needs no refit.
Per intent the score mixes the best and the mean of the three best example similarities.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from voicebot.intent.features import raw_features, weight
from voicebot.intent.normalize import clean
from voicebot.intent.spelling import Speller


@dataclass(frozen=True, slots=True)
class Scores:
    ranked: list[tuple[str, float]]  # (intent, score) best first, every intent
    coverage: float  # share of the query's feature mass the training data knows


class KnnClassifier:
    def __init__(self, examples: list[tuple[str, str]]) -> None:
        if not examples:
            raise ValueError("no training examples")
        self.intents = sorted({i for _, i in examples})
        self._labels = np.array([self.intents.index(i) for _, i in examples], dtype=np.int32)
        raw = [raw_features(t) for t, _ in examples]
        df: dict[str, int] = defaultdict(int)
        for groups in raw:
            for g, counts in groups.items():
                for f in counts:
                    df[f"{g}:{f}"] += 1
        n = len(examples)
        self._idf = {k: math.log((n + 1) / (v + 1)) + 1.0 for k, v in df.items()}
        self._default_idf = math.log(n + 1) + 1.0
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for row, groups in enumerate(raw):
            for k, v in weight(groups, self._idf, self._default_idf).items():
                postings[k][0].append(row)
                postings[k][1].append(v)
        self._postings = {
            k: (np.array(r, dtype=np.int32), np.array(v, dtype=np.float32)) for k, (r, v) in postings.items()
        }
        self._n = n
        self.speller = Speller({w for t, _ in examples for w in clean(t).split()})

    def scores(self, text: str) -> Scores:
        fixed = " ".join(self.speller.expand(clean(text).split()))
        q = weight(raw_features(fixed), self._idf, self._default_idf)
        rows, vals, known = [], [], 0.0
        for k, w in q.items():
            p = self._postings.get(k)
            if p is not None:
                rows.append(p[0])
                vals.append(p[1] * w)
                known += w * w
        if not rows:
            return Scores([(i, 0.0) for i in self.intents], 0.0)
        sims = np.bincount(np.concatenate(rows), np.concatenate(vals), minlength=self._n)
        ranked = []
        for idx, intent in enumerate(self.intents):
            s = sims[self._labels == idx]
            top = np.partition(s, -3)[-3:] if len(s) >= 3 else s
            ranked.append((intent, float(0.6 * top.max() + 0.4 * top.mean())))
        ranked.sort(key=lambda kv: -kv[1])
        return Scores(ranked, known)
