"""A seeded simulator of speech-recognition slips, for training augmentation and the noisy benchmark.

It mimics what Whisper does to Danish: æøå lost or spelled out, voicing swaps, dropped and doubled
letters, wrong word splits and joins. Deterministic for a given `random.Random`.
"""

from __future__ import annotations

import random

_SWAPS = (("d", "t"), ("t", "d"), ("b", "p"), ("g", "k"), ("v", "f"), ("e", "æ"), ("æ", "e"), ("ø", "o"),
          ("ø", "u"), ("å", "o"), ("o", "å"), ("i", "e"), ("y", "ø"), ("k", "g"), ("s", "z"))  # fmt: skip
_FOLDS = ({"æ": "ae", "ø": "oe", "å": "aa"}, {"æ": "e", "ø": "o", "å": "a"})


def corrupt_word(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    op = rng.random()
    i = rng.randrange(1, len(word))
    if op < 0.3:
        a, b = rng.choice(_SWAPS)
        return word.replace(a, b, 1) if a in word else word[:i] + word[i:]
    if op < 0.55:
        return word[:i] + word[i + 1 :]
    if op < 0.7:
        return word[:i] + word[i - 1] + word[i:]
    if op < 0.85:
        return word[:i] + " " + word[i:] if len(word) > 6 else word
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def corrupt(text: str, rng: random.Random, *, rate: float = 0.3) -> str:
    """One noisy version of `text`: about `rate` of the words changed, maybe æøå folded, maybe a join."""
    words = text.lower().split()
    out = [corrupt_word(w, rng) if rng.random() < rate else w for w in words]
    if len(out) > 2 and rng.random() < 0.15:
        i = rng.randrange(len(out) - 1)
        out[i : i + 2] = [out[i] + out[i + 1]]
    joined = " ".join(out)
    if rng.random() < 0.5:
        for a, b in rng.choice(_FOLDS).items():
            joined = joined.replace(a, b)
    return joined
