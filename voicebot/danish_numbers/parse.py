"""Danish number words → numbers: 'enogtyve' → 21, 'nitten hundrede og halvfems' → 1990, ordinals too.

One parser for intent entities (`find_numbers`, `parse_number`) and ASR scoring (`words_to_digits`).
Words are split into number morphemes by dynamic programming, so run-together spellings
('firehundredefiretusinde') and spaced ones ('fire og tyve') parse alike. A digit sequence read
one by one ('to tre fire') stays three numbers. Pure functions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from voicebot.danish_numbers.vocabulary import MULTIPLIERS as _MULT
from voicebot.danish_numbers.vocabulary import ORDINALS_BELOW_20
from voicebot.danish_numbers.vocabulary import TENS as _TENS
from voicebot.danish_numbers.vocabulary import UNITS as _SMALL

_ORD_SMALL = {
    **{w: v for v, w in enumerate(ORDINALS_BELOW_20)},
    # spellings recognisers and typists produce
    "foerste": 1, "forste": 1, "andet": 2, "tredie": 3, "ninende": 9, "elvte": 11,
}  # fmt: skip
_ORD_TENS = {"tyvende": 20, "tredivte": 30, "tredevte": 30}
_MORPHEMES: dict[str, tuple[str, int]] = {
    **{w: ("small", v) for w, v in _SMALL.items()},
    **{w: ("tens", v) for w, v in _TENS.items()},
    **{w: ("mult", v) for w, v in _MULT.items()},
    **{w: ("ord", v) for w, v in _ORD_SMALL.items()},
    **{w: ("ordtens", v) for w, v in _ORD_TENS.items()},
    "og": ("og", 0),
}
_MAXLEN = max(map(len, _MORPHEMES))
_DIGITS = re.compile(r"^\d{1,3}(?:\.\d{3})+$|^\d+$")


@lru_cache(maxsize=8192)
def _split(word: str) -> tuple[tuple[str, int, str], ...] | None:
    """'enogtyve' → (small 1 'en', og, tens 20 'tyve'); None when the word is not made of number morphemes."""
    n = len(word)
    best: list[tuple[tuple[str, int, str], ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        start = best[i]
        if start is None:
            continue
        for j in range(i + 1, min(n, i + _MAXLEN) + 1):
            m = _MORPHEMES.get(word[i:j])
            if m is not None:
                cand = (*start, (m[0], m[1], word[i:j]))
                known = best[j]
                if known is None or len(cand) < len(known):
                    best[j] = cand
    out = best[n]
    if not out or out[0][0] == "og" or out[-1][0] == "og":
        return None
    return out


def split_word(word: str) -> tuple[tuple[str, int], ...] | None:
    """'enogtyve' → (small 1, og, tens 20); None when the word is not made of number morphemes."""
    parts = _split(word)
    return None if parts is None else tuple((kind, v) for kind, v, _ in parts)


def split_morphemes(word: str) -> list[str] | None:
    """'femogtyve' → ['fem', 'og', 'tyve']; None when the word is not (only) a number word."""
    parts = _split(word)
    return None if parts is None else [text for _, _, text in parts]


def _value(parts: list[tuple[str, int]]) -> tuple[int, bool] | None:
    """Fold a morpheme run into (value, is_ordinal); None when the run is not one number."""
    total, current, ordinal, prev = 0, 0, False, ""
    for kind, v in parts:
        if ordinal:
            return None
        if kind == "og":
            prev = "og"
            continue
        if kind in ("small", "ord"):
            if prev in ("small", "tens", "ord", "og") and current % 100:
                return None
            current += v
        elif kind in ("tens", "ordtens"):
            if current % 100 and not (prev == "og" and current % 100 < 10):
                return None
            current += v
        else:  # mult
            if v == 100:
                current = (current or 1) * 100 if current < 100 else current + 100
            else:
                total += (current or 1) * v
                current = 0
        ordinal = kind in ("ord", "ordtens")
        prev = "tens" if kind == "ordtens" else kind
    return total + current, ordinal


def parse_number(text: str) -> int | None:
    """The whole text as one cardinal number, or None. 'minus to millioner' → -2000000."""
    words = text.lower().replace("-", " ").split()
    sign = 1
    if words and words[0] == "minus":
        sign, words = -1, words[1:]
    if len(words) == 1 and _DIGITS.match(words[0]):
        return sign * int(words[0].replace(".", ""))
    parts: list[tuple[str, int]] = []
    for w in words:
        split = (("og", 0),) if w == "og" else split_word(w)
        if split is None:
            return None
        parts.extend(split)
    res = _value(parts) if parts else None
    return sign * res[0] if res and not res[1] else None


def parse_ordinal(text: str) -> int | None:
    """'enogtyvende', 'en og tyvende', 'femte' → int; None for anything else."""
    parts: list[tuple[str, int]] = []
    for w in text.lower().split():
        split = (("og", 0),) if w == "og" else split_word(w)
        if split is None:
            return None
        parts.extend(split)
    res = _value(parts) if parts else None
    return res[0] if res and res[1] else None


def find_numbers(words: list[str], *, articles: bool = False) -> list[tuple[int, int, int, bool]]:
    """Numbers in a word list: (start, end, value, is_ordinal). A lone 'en'/'et' is an article, not 1,
    unless `articles` (scoring reads both sides alike, so there 'en' may be 1)."""
    found: list[tuple[int, int, int, bool]] = []
    i = 0
    while i < len(words):
        if _DIGITS.match(words[i]):
            found.append((i, i + 1, int(words[i].replace(".", "")), False))
            i += 1
            continue
        best = None
        j, parts = i, []  # type: ignore[var-annotated]
        while j < len(words):
            split = ((("og", 0),) if parts else None) if words[j] == "og" else split_word(words[j])
            if split is None:
                break
            parts = parts + list(split)
            if parts[-1][0] != "og":
                res = _value(parts)
                if res is None:
                    break
                best = (j + 1, res)
            j += 1
        if best is not None:
            end, (val, is_ord) = best
            if articles or not (end - i == 1 and words[i] in ("en", "et", "een", "ni", "anden", "andet")):
                found.append((i, end, val, is_ord))
            i = end
        else:
            i += 1
    return found


def words_to_digits(tokens: list[str]) -> list[str]:
    """Replace runs of Danish cardinal words in `tokens` (lower case) by digit strings, for scoring.
    'en'/'et' count as 1 on both sides of a comparison, which keeps articles harmless."""
    out: list[str] = []
    i = 0
    for start, end, value, ordinal in find_numbers(tokens, articles=True):
        out.extend(tokens[i:start])
        out.extend(tokens[start:end] if ordinal else [str(value)])
        i = end
    out.extend(tokens[i:])
    return out
