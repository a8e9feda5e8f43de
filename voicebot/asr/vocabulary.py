"""Vocabulary biasing: the Whisper `initial_prompt` and a Vosk phrase list from a dialplan's words.

Whisper follows the style and spelling of its prompt, so the prompt reads as a short Danish
call-centre text that uses the intent keywords and the kommune's place names. The prompt is
capped (Whisper keeps at most 223 prompt tokens, and every token costs decode time).
"""

from __future__ import annotations

import re

INTENT_KEYWORDS: tuple[str, ...] = (
    "pas", "kørekort", "MitID", "sundhedskort", "lægeskift", "flytning", "Digital Post", "rotter",
    "pladsanvisning", "fuldmagt", "tidsbestilling", "åbningstider", "medarbejder",
)  # fmt: skip

CONVERSATION_WORDS: tuple[str, ...] = ("ja", "nej", "tak", "gentag", "farvel")

# Words kept out of the Whisper prompt. Whisper copies prompt words into transcripts of unrelated
# speech: with "Må jeg tale med en medarbejder?" in the prompt, 4.3 % of the transcripts of
# non-human training phrases contained "medarbejder", which taught the intent engine that the
# word is weak evidence and broke real requests for a human. Vosk's phrase list still has it.
PROMPT_EXCLUDED: frozenset[str] = frozenset({"medarbejder"})

MAX_PROMPT_CHARS = 400
# The prompt while the dialog waits for ja/nej (Listen.expect == "yes_no"): a question and the answers
# that fit. On 8 kHz espeak answers (3 voices, 2 speeds) ja/nej read right went from 29 % with the plan's
# prompt to 94 % (bench/understanding.py measures it per condition).
YES_NO_PROMPT = "Vil du høre om det? Sig ja eller nej. Ja. Nej. Ja tak. Nej tak."


def expect_prompts() -> dict[str, str]:
    """The recogniser's prompt per kind of answer the dialog expects; other kinds use the plan's prompt."""
    return {"yes_no": YES_NO_PROMPT}


def _dedupe(words: list[str], seen: set[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        w = re.sub(r"\s+", " ", w).strip()
        key = w.casefold()
        if w and key not in seen:
            seen.add(key)
            out.append(w)
    return out


def build_prompt(kommune: str | None, extra_words: list[str]) -> str:
    """The Whisper initial_prompt for a dialplan: kommune, place names/extra words, intent keywords.

    Extra words (place names, local services) come first after the kommune, so they survive
    the length cap; the fixed intent keywords follow in a natural Danish sentence. Words in
    PROMPT_EXCLUDED never appear (Whisper would copy them into unrelated transcripts).
    """
    seen: set[str] = set()
    head = "Borgerservice"
    if kommune:
        name = kommune.strip()
        head = f"{name} Kommune, Borgerservice" if "kommune" not in name.casefold() else f"{name}, Borgerservice"
        seen.add(name.casefold())
    extras = [e for e in _dedupe(list(extra_words), seen) if e.casefold() not in PROMPT_EXCLUDED]
    keywords = [k for k in INTENT_KEYWORDS if k.casefold() not in seen and k.casefold() not in PROMPT_EXCLUDED]
    first, rest = keywords[:5], keywords[5:]
    # Measured on the synthetic set: short sentences beat a long comma list, which Whisper
    # tends to copy into the transcript.
    sentence = f"{head}, goddag. Jeg ringer angående mit " + ", ".join(first[:-1]) + f" eller {first[-1]}."
    if rest:
        sentence += " Og om " + ", ".join(rest[:-1]) + (" og " if len(rest) > 1 else "") + f"{rest[-1]}."
    if extras:
        places = " ".join(f"{e}." for e in extras)
        budget = MAX_PROMPT_CHARS - len(sentence) - 1
        while extras and len(places) > budget:
            extras.pop()
            places = " ".join(f"{e}." for e in extras)
        if places:
            head_end = sentence.index(". ") + 2
            sentence = sentence[:head_end] + places + " " + sentence[head_end:]
    return sentence


def phrase_list(kommune: str | None, extra_words: list[str]) -> list[str]:
    """Lower-case words for a grammar-constrained engine (Vosk): keywords, places, yes/no."""
    words: list[str] = []
    for item in [*(extra_words or []), *((kommune and [kommune]) or []), *INTENT_KEYWORDS, *CONVERSATION_WORDS]:
        words.extend(item.lower().split())
    return _dedupe(words, set())
