"""Word error rate with Danish text normalisation for scoring. Pure.

`normalize` lower-cases, drops punctuation (keeping decimal commas such as "12,5"), joins
thousands separators ("1.234" → "1234") and turns Danish number words into digits, so
"treogtyve" and "23" score as the same word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from voicebot.danish_numbers import words_to_digits

_THOUSANDS = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")
_DECIMAL = re.compile(r"(?<=\d),(?=\d)")
_NON_WORD = re.compile(r"[^\w\u00b7]+", re.UNICODE)
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")


def normalize(text: str, *, numbers: bool = True) -> list[str]:
    """Scoring tokens: lower case, no punctuation, numbers as digits (unless numbers=False)."""
    s = unicodedata.normalize("NFC", text).lower()
    s = _THOUSANDS.sub("", s)
    s = _DECIMAL.sub("\u00b7", s)  # protect decimal commas through punctuation removal
    s = _NON_WORD.sub(" ", s.replace("_", " "))
    s = _DIGIT_LETTER.sub(" ", s)  # "10kr" → "10 kr"
    tokens = [t.replace("\u00b7", ",") for t in s.split() if t.strip("\u00b7")]
    return words_to_digits(tokens) if numbers else tokens


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over words (substitutions + deletions + insertions)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


@dataclass(frozen=True, slots=True)
class WerScore:
    errors: int
    ref_words: int

    @property
    def wer(self) -> float:
        if self.ref_words == 0:
            return 0.0 if self.errors == 0 else 1.0
        return self.errors / self.ref_words


def score(reference: str, hypothesis: str) -> WerScore:
    ref, hyp = normalize(reference), normalize(hypothesis)
    return WerScore(edit_distance(ref, hyp), len(ref))


def wer(reference: str, hypothesis: str) -> float:
    return score(reference, hypothesis).wer


def corpus_wer(pairs: list[tuple[str, str]]) -> float:
    """Total errors over total reference words, for (reference, hypothesis) pairs."""
    scores = [score(r, h) for r, h in pairs]
    ref_words = sum(s.ref_words for s in scores)
    return sum(s.errors for s in scores) / ref_words if ref_words else 0.0
