"""Text → chunks to synthesise one at a time, shaped for early first audio.

Sentences first; "kl. 9.30", "f.eks." and "24. dec." never end one. The first chunk is a short
opening phrase (cut at a clause mark, else before a conjunction, a preposition or a number) and
later chunks grow, so each renders while the one before it plays (Piper's RTF is about 0.2).
A cut is only taken where it cannot change the read-out: the two halves, normalised apart, must
say the same words as the whole ("mandag-fredag | 10-15" would lose its opening-hours reading).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from voicebot.tts.lexicon_da import NO_SPLIT_AFTER, WEEKDAY_ABBR
from voicebot.tts.normalize_da import normalize

FIRST_CHUNK_CHARS = 28  # spoken characters: under 2 s of speech
SECOND_CHUNK_CHARS = 90
MAX_CHUNK_CHARS = 180

_CONJUNCTIONS = frozenset({"og", "men", "eller", "hvis", "så", "fordi", "når", "mens", "hvor", "som"})
_PREPOSITIONS = frozenset(
    {"i", "på", "til", "med", "for", "om", "af", "fra", "ved", "hos", "efter", "inden", "uden"}
)  # fmt: skip

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9\"'(«»“])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+|\s+(?=[–—-]\s)")
_LAST_WORD = re.compile(r"(\S+)\.$")
_NOT_WORDS = re.compile(r"[\s,.;:!?–—-]+")


def _is_number(prev: str, word: str, nxt: str) -> bool:  # a pause before a number, date or day is natural
    if prev[:1].isdigit():
        return False  # never inside "70 20 12 12"
    w = word.lower()
    return w[:1].isdigit() or (w == "den" and nxt[:1].isdigit()) or re.split(r"[-–.]", w)[0] in WEEKDAY_ABBR


_BREAK_TIERS: tuple[tuple[Callable[[str, str, str], bool], int], ...] = (
    (lambda p, w, _n: w.lower() in _CONJUNCTIONS and not p[:1].isdigit(), FIRST_CHUNK_CHARS + 6),  # not "0 | og 17"
    (lambda _p, w, _n: w.lower() in _PREPOSITIONS, FIRST_CHUNK_CHARS + 6),
    (_is_number, FIRST_CHUNK_CHARS + 14),
)
_CONTEXT = 120  # characters either side that can change a read-out (the normaliser looks back 80)


def spoken_len(text: str) -> int:
    """Length as spoken: "10-15" is "fra klokken ti til klokken femten"."""
    return len(normalize(text))


def _words(text: str) -> str:
    return _NOT_WORDS.sub(" ", normalize(text)).strip().lower()


def safe_cut(head: str, rest: str) -> bool:
    """Cutting here leaves every word of the read-out as it was."""
    if not head.strip() or not rest.strip():
        return False
    head, rest = head[-_CONTEXT:], rest[:_CONTEXT]
    return f"{_words(head)} {_words(rest)}".strip() == _words(f"{head} {rest}")


def sentences(text: str) -> list[str]:
    """Sentences; an abbreviation's period ("kl.", "f.eks.", "dec.") does not end one."""
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        m = _LAST_WORD.search(parts[-1]) if parts else None
        if m and m.group(1).lower().lstrip("(\"'") in NO_SPLIT_AFTER:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return [p.strip() for p in parts if p.strip()]


def _wrap(piece: str, limit: int) -> list[str]:
    """A clause far past the limit is wrapped at a safe space."""
    out: list[str] = []
    while len(piece) > limit * 2 or spoken_len(piece) > limit * 2:  # raw length first: cheap on huge text
        spaces = [i for i, ch in enumerate(piece[: limit * 2]) if ch == " " and i > 0]
        cut = next((i for i in reversed(spaces) if i <= limit and safe_cut(piece[:i], piece[i:])), None)
        if cut is None:
            break
        out.append(piece[:cut].strip())
        piece = piece[cut:].strip()
    return [*out, piece]


def cut_clauses(sentence: str, limit: int) -> list[str]:
    """Clauses packed up to `limit` spoken characters; unsafe boundaries are never cut."""
    if spoken_len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        if out and (spoken_len(f"{out[-1]} {clause}") <= limit or not safe_cut(out[-1], clause)):
            out[-1] = f"{out[-1]} {clause}"
        else:
            out.append(clause)
    return [p for piece in out for p in _wrap(piece, limit) if p]


def _phrase_candidates(sentence: str) -> Iterator[tuple[str, str]]:
    clauses = _CLAUSE_END.split(sentence)
    head, n = clauses[0], 1
    while n < len(clauses) and spoken_len(f"{head} {clauses[n]}") <= FIRST_CHUNK_CHARS:
        head, n = f"{head} {clauses[n]}", n + 1
    rest = " ".join(clauses[n:])
    if rest and spoken_len(head) <= FIRST_CHUNK_CHARS * 1.5:
        yield head, rest
    words = sentence.split(" ")
    ends: list[int] = []
    for w in words[:-2]:
        ends.append((ends[-1] if ends else 0) + spoken_len(w) + 1)
        if ends[-1] > FIRST_CHUNK_CHARS * 2:
            break
    total = spoken_len(sentence)
    for breaks_before, longest in _BREAK_TIERS:
        for i in reversed(range(len(ends))):  # the longest opening phrase that still fits
            fits = 10 <= ends[i] <= longest and total - ends[i] >= 14
            if fits and breaks_before(words[i], words[i + 1], words[i + 2]):
                yield " ".join(words[: i + 1]), " ".join(words[i + 1 :])
    if rest:
        yield head, rest


def first_phrase(sentence: str) -> tuple[str, str]:
    for head, rest in _phrase_candidates(sentence):
        if safe_cut(head, rest):
            return head, rest
    head, *more = cut_clauses(sentence, SECOND_CHUNK_CHARS)
    return head, " ".join(more)


def split_sentences(text: str) -> list[str]:
    """Chunks, ready to synthesise one by one (raw text: each is normalised when spoken)."""
    chunks: list[str] = []
    for sentence in sentences(text):
        if not chunks and spoken_len(sentence) > FIRST_CHUNK_CHARS:
            head, rest = first_phrase(sentence)
            chunks.append(head)
            chunks.extend(cut_clauses(rest, SECOND_CHUNK_CHARS) if rest else [])
        else:
            chunks.extend(cut_clauses(sentence, SECOND_CHUNK_CHARS if len(chunks) == 1 else MAX_CHUNK_CHARS))
    return chunks
