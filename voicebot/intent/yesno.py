"""Yes or no at a yes/no question, read robustly from what the recogniser made of a short answer.

At "Vil du høre om pas? Sig ja eller nej." the answers that fit are few, so the reading can be
generous where the open engine must not be: "I og tak" is "ja tak", "Daj tak" and "Røj" are
"nej (tak)", "Der er et dit" is "det er rigtigt". A bare "tak" there means "yes please", never
goodbye. Pure text logic; the dialog calls it only while such a question is open.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

YES, NO = "ja", "nej"
_YES_WORDS = {"ja", "jo", "jep", "jeps", "jah", "jaa", "yes", "jamen", "jaja", "gerne", "okay", "ok", "korrekt",
              "rigtigt", "rigtig", "præcis", "netop", "sikkert", "selvfølgelig", "yeah", "ya", "je", "jæ"}  # fmt: skip
_NO_WORDS = {"nej", "nix", "næ", "nææ", "nope", "nay", "nai", "naj", "nei", "ney", "forkert", "ikke",
             "aldrig", "no", "nøj", "næh"}  # fmt: skip
_PHRASES = (
    (YES, "ja tak"), (YES, "ja det vil jeg gerne"), (YES, "det er rigtigt"), (YES, "det er korrekt"),
    (YES, "ja gerne"), (YES, "ja det er rigtigt"), (YES, "jo tak"), (YES, "ja bestemt"),
    (NO, "nej tak"), (NO, "det er forkert"), (NO, "det er ikke rigtigt"), (NO, "nej det vil jeg ikke"),
    (NO, "nej det er forkert"), (NO, "ikke det"),
)  # fmt: skip
_WORD = re.compile(r"[a-zæøå]+")
MAX_WORDS = 6  # a longer answer is a new request, not a yes or a no


def _no_like(word: str) -> bool:
    """Short words that sound like "nej" [nai]: røj, daj, naj, nej, nøj, maj."""
    return len(word) <= 4 and word[-2:] in ("aj", "ej", "øj", "ai", "ei") and word not in ("hej", "maj", "sej")


def yes_or_no(text: str, *, thanks: str | None = YES) -> str | None:
    """ "ja", "nej", or None when the answer is neither (or too long to be only that).

    `thanks` is what a bare "tak" means: "ja" after an offer; None where it may be a goodbye."""
    words = _WORD.findall(text.lower())
    if not words or len(words) > MAX_WORDS:
        return None
    first = words[0]
    if first in _NO_WORDS or _no_like(first) or "ikke" in words[:3]:
        return NO
    if first in _YES_WORDS:
        return YES
    joined = " ".join(words)
    best, label = 0.0, None
    for lab, phrase in _PHRASES:
        score = fuzz.ratio(joined, phrase)
        if score > best:
            best, label = score, lab
    if best >= 70:
        return label
    if words[:2] in (["det", "er"], ["der", "er"]) and len(words) <= 4:  # "det er rigtigt", garbled
        return YES
    if words[-1] == "tak" and len(words) <= 3:  # "tak", "I og tak": thanks for the offer, i.e. yes
        return thanks if len(words) == 1 else YES
    return None
