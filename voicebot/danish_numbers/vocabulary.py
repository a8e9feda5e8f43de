"""The Danish number vocabulary: cardinal words (with the spellings recognisers produce) and
ordinals, read by the parser and spoken by the reader, so every part of the gateway reads the
same words as the same numbers."""

from __future__ import annotations

UNITS = {
    "nul": 0, "en": 1, "et": 1, "een": 1, "ét": 1, "én": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6,
    "syv": 7, "otte": 8, "ni": 9, "ti": 10, "elleve": 11, "elve": 11, "tolv": 12, "tretten": 13, "fjorten": 14,
    "femten": 15, "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19,
}  # fmt: skip
TENS = {
    "tyve": 20, "tredive": 30, "tredve": 30, "fyrre": 40, "fyrretyve": 40, "halvtreds": 50, "halvtres": 50,
    "halvtredsindstyve": 50, "tres": 60, "treds": 60, "tresindstyve": 60, "halvfjerds": 70,
    "halvfjerdsindstyve": 70, "firs": 80, "firsindstyve": 80, "halvfems": 90, "halvfemsindstyve": 90,
}  # fmt: skip
MULTIPLIERS = {
    "hundrede": 100, "hundred": 100, "tusind": 1000, "tusinde": 1000, "million": 10**6, "millioner": 10**6,
    "milliard": 10**9, "milliarder": 10**9,
}  # fmt: skip
ORDINALS_BELOW_20 = (
    "nulte", "første", "anden", "tredje", "fjerde", "femte", "sjette", "syvende", "ottende", "niende",
    "tiende", "ellevte", "tolvte", "trettende", "fjortende", "femtende", "sekstende", "syttende", "attende",
    "nittende",
)  # fmt: skip
ORDINAL_TENS = {
    2: "tyvende", 3: "tredivte", 4: "fyrretyvende", 5: "halvtredsindstyvende", 6: "tresindstyvende",
    7: "halvfjerdsindstyvende", 8: "firsindstyvende", 9: "halvfemsindstyvende",
}  # fmt: skip
