"""Text normalisation for noisy Danish ASR output: casing, æøå folding, phonetic keys, stems.

Everything here is pure and cheap; the engine calls it once per utterance.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("danish")
_NON_WORD = re.compile(r"[^0-9a-zæøåäöüé]+")
_FOLD = str.maketrans({"ä": "æ", "ö": "ø", "ü": "y", "é": "e"})
_ASCII = (("æ", "ae"), ("ø", "oe"), ("å", "aa"))


def clean(text: str) -> str:
    """Lowercase, NFKC, keep letters/digits, single spaces. 'Kørekort?!' → 'kørekort'."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    text = text.replace("c/o", " co ").replace("e-boks", "eboks").replace("mit id", "mitid")
    return " ".join(_NON_WORD.sub(" ", text).split())


def to_ascii(word: str) -> str:
    """æ→ae, ø→oe, å→aa: the spelling an ASR or a keyboard without æøå produces."""
    for a, b in _ASCII:
        word = word.replace(a, b)
    return word


_PHON_RULES = (
    (re.compile(r"aa|å"), "o"),
    (re.compile(r"ae|æ"), "e"),
    (re.compile(r"oe|ø"), "o"),
    (re.compile(r"^hv"), "v"),
    (re.compile(r"^hj"), "j"),
    (re.compile(r"ch|sj"), "s"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "s"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"[cq]"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"(?<=[lnr])d\b"), ""),
    (re.compile(r"(?<=[aeiouy])g\b"), ""),
    (re.compile(r"[dt](?=s\b)"), ""),
    (re.compile(r"(?<=[aeiouy])d(?=[aeiouy])"), ""),
    (re.compile(r"b"), "p"),
    (re.compile(r"d"), "t"),
    (re.compile(r"g"), "k"),
    (re.compile(r"y"), "i"),
    (re.compile(r"u"), "o"),
    (re.compile(r"e\b"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
)


@lru_cache(maxsize=65536)
def phonetic(word: str) -> str:
    """A coarse Danish sound key: voicing, vowel quality, silent d/g, doubled letters all merge.

    'kørekort', 'korekort', 'koerekort', 'kørrekord' → 'korkort'-like keys that share n-grams.
    """
    w = word
    for pat, rep in _PHON_RULES:
        w = pat.sub(rep, w)
    return w or word[:1]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball Danish stem on the æøå spelling, folded to ASCII afterwards."""
    return to_ascii(_STEMMER.stemWord(word))


def tokens(text: str) -> list[str]:
    return clean(text).split()
