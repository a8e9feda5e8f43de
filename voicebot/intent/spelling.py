"""Snap misheard words onto the training vocabulary: exact phonetic key first, then fuzzy ratio.

'vugegstue' → 'vuggestue', 'fuldmgt' → 'fuldmagt', 'dagple jen' → 'dagplejen' (a wrong split is rejoined).
Unknown words that match nothing stay as they are: they lower the match score, which is what we want.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process

from voicebot.intent.normalize import phonetic, to_ascii


class Speller:
    def __init__(self, vocabulary: set[str], *, cutoff: float = 80.0) -> None:
        # sorted: fuzzy-match ties resolve the same way in every process (set order follows the hash seed)
        self._words = {to_ascii(w): w for w in sorted(vocabulary) if len(w) >= 3}
        self._by_key: dict[str, str] = {}
        for a, w in sorted(self._words.items()):
            self._by_key.setdefault(phonetic(a), w)
        self._choices = list(self._words)
        self._cutoff = cutoff
        self.correct_word = lru_cache(maxsize=16384)(self._correct_word)

    def known(self, word: str) -> bool:
        return to_ascii(word) in self._words

    def _correct_word(self, word: str) -> str | None:
        a = to_ascii(word)
        if a in self._words:
            return self._words[a]
        if len(a) < 4:
            return None
        hit = self._by_key.get(phonetic(a))
        if hit:
            return hit
        cutoff = self._cutoff if len(a) >= 6 else self._cutoff + 5
        best = process.extractOne(a, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return self._words[best[0]] if best else None

    def expand(self, words: list[str]) -> list[str]:
        """The words plus the corrections of the unknown ones (originals kept: compounds stay matchable)."""
        fixed = self.correct(words)
        extra = [w for w in fixed if w not in words]
        return words + extra

    def correct(self, words: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            if i + 1 < len(words) and not self.known(w):
                joined = self.correct_word(w + words[i + 1])
                if joined and (not self.known(words[i + 1]) or len(words[i + 1]) <= 3):
                    out.append(joined)
                    i += 2
                    continue
            out.append(self.correct_word(w) or w)
            i += 1
        return out
