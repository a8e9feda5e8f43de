"""Danish number words → digits, for scoring and matching. Pure.

"treogtyve" → "23", "to tusinde treogtyve" → "2023", "hundrede og et" → "101".
Words are split into number morphemes (units, tens, hundrede, tusind, million, og), so glued
compounds such as "firehundredefiretusinde" parse too. A digit sequence read one by one
("to tre fire") stays three numbers: a small number only extends the number before it after
"hundrede"/"tusind" or through "og" (unit og tens). "en"/"et" count as 1, so articles become
"1" as well; scoring applies the same rule to both sides, which keeps that harmless.
"""

from __future__ import annotations

from voicebot.danish_numbers import MULTIPLIERS as MULT
from voicebot.danish_numbers import TENS, UNITS

_MORPHEMES = sorted([*UNITS, *TENS, *MULT, "og"], key=len, reverse=True)


def split_morphemes(word: str) -> list[str] | None:
    """Split one word into number morphemes, or None if it is not (only) a number word."""
    if word in UNITS or word in TENS or word in MULT:
        return [word]
    out: list[str] = []
    i = 0
    while i < len(word):
        for m in _MORPHEMES:
            if word.startswith(m, i):
                out.append(m)
                i += len(m)
                break
        else:
            return None
    if len(out) < 2 or out[0] == "og" or out[-1] == "og":
        return None
    return out


class _Acc:
    """Accumulates one number from morphemes."""

    def __init__(self) -> None:
        self.total = 0
        self.current = 0
        self.small = 0  # the part below 100 of `current` that is still open
        self.pending_og = False
        self.used = False

    def value(self) -> int:
        return self.total + self.current

    def can_take(self, m: str) -> bool:
        if not self.used:
            return m != "og"
        if m == "og":
            return not self.pending_og
        if m in MULT:
            return not self.pending_og
        n = UNITS.get(m, TENS.get(m, 0))
        if self.pending_og:
            # "en og tyve" (unit og tens) or "hundrede og fem" (after a multiplier)
            return (m in TENS and 0 < self.small < 10) or (self.small == 0 and n < 100)
        return self.small == 0

    def take(self, m: str) -> None:
        self.used = True
        if m == "og":
            self.pending_og = True
            return
        self.pending_og = False
        if m in MULT:
            k = MULT[m]
            if k == 100:
                self.current = (self.current or 1) * 100
            else:
                self.total += (self.current or 1) * k
                self.current = 0
            self.small = 0
            return
        n = UNITS.get(m, TENS.get(m, 0))
        self.current += n
        self.small += n


def words_to_digits(tokens: list[str]) -> list[str]:
    """Replace runs of Danish number words in `tokens` (lower case) by digit strings."""
    out: list[str] = []
    acc: _Acc | None = None

    def close() -> None:
        nonlocal acc
        if acc is not None and acc.used:
            out.append(str(acc.value()))
            if acc.pending_og:  # a trailing "og" was a conjunction, not part of the number
                out.append("og")
        acc = None

    for tok in tokens:
        if tok == "og":
            if acc is not None and acc.can_take("og"):
                acc.take("og")
            else:
                close()
                out.append(tok)
            continue
        parts = split_morphemes(tok)
        if parts is None:
            close()
            out.append(tok)
            continue
        for m in parts:
            if acc is None or not acc.can_take(m):
                close()
                acc = _Acc()
            acc.take(m)
    close()
    return out
