"""Danish numbers, once: the vocabulary, the parser (intent entities, ASR scoring) and the reader
(TTS read-out)."""

from voicebot.danish_numbers.parse import (
    find_numbers,
    parse_number,
    parse_ordinal,
    split_morphemes,
    split_word,
    words_to_digits,
)
from voicebot.danish_numbers.vocabulary import MULTIPLIERS, TENS, UNITS

__all__ = [
    "MULTIPLIERS",
    "TENS",
    "UNITS",
    "find_numbers",
    "parse_number",
    "parse_ordinal",
    "split_morphemes",
    "split_word",
    "words_to_digits",
]
