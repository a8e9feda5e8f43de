"""Sparse features of an utterance, robust to ASR slips: stems, stem bigrams, char n-grams of the
ASCII spelling, char n-grams of a phonetic key, and n-grams across word joins (for wrong splits).

Each group is L2-normalised to its own weight, so many char n-grams do not drown the word features.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

from voicebot.intent.normalize import clean, phonetic, stem, to_ascii

GROUP_WEIGHTS = {"w": 1.0, "b": 0.5, "c": 0.8, "p": 1.0, "j": 0.5}
STOPWORDS = frozenset(
    [
        "jeg", "du", "i", "vi", "de", "han", "hun", "den", "det", "der", "er", "at", "og", "en", "et", "til", "på",
        "pa", "paa", "med", "for", "som", "om", "af", "min", "mit", "mine", "har", "have", "ha", "vil", "gerne",
        "skal", "kan", "kunne", "hvad", "hvordan", "hvor", "hvornår", "hvornaar", "hvornar", "hej", "tak", "lige",
        "så", "sa", "saa", "bare", "nu", "jo", "da", "altså", "øh", "oeh", "hmm", "ikke", "mig", "dig", "jer", "os",
        "sig"
    ]
)


def _grams(s: str, lo: int, hi: int) -> list[str]:
    return [s[i : i + n] for n in range(lo, hi + 1) for i in range(len(s) - n + 1)]


def raw_features(text: str) -> dict[str, Counter[str]]:
    """Feature counts per group, before weighting."""
    words = clean(text).split()
    groups: dict[str, Counter[str]] = {g: Counter() for g in GROUP_WEIGHTS}
    content = [w for w in words if w not in STOPWORDS] or words
    stems = [stem(w) for w in words]
    for w in content:
        a, p = to_ascii(w), phonetic(w)
        groups["w"][stem(w)] += 1
        groups["c"].update(_grams(f" {a} ", 3, 5))
        groups["p"].update(_grams(f" {p} ", 3, 4))
    for s1, s2 in itertools.pairwise(stems):
        groups["b"][f"{s1}_{s2}"] += 1
    joined = "".join(phonetic(w) for w in content)
    groups["j"].update(_grams(joined, 5, 6))
    return groups


def weight(groups: dict[str, Counter[str]], idf: dict[str, float], default_idf: float) -> dict[str, float]:
    """TF-IDF (sublinear tf) per group, each group scaled to its weight; keys are 'group:feature'."""
    vec: dict[str, float] = {}
    total = 0.0
    for g, counts in groups.items():
        part = {f"{g}:{f}": (1.0 + math.log(c)) * idf.get(f"{g}:{f}", default_idf) for f, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in part.values()))
        if norm == 0:
            continue
        scale = GROUP_WEIGHTS[g] / norm
        for k, v in part.items():
            vec[k] = v * scale
        total += GROUP_WEIGHTS[g] ** 2
    norm = math.sqrt(total) or 1.0
    return {k: v / norm for k, v in vec.items()}
