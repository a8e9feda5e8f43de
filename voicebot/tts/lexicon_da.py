"""Word lists for Danish read-out: abbreviations, acronyms, letter names, month and weekday short forms."""

from __future__ import annotations

import re

LETTERS = {
    "a": "a", "b": "be", "c": "se", "d": "de", "e": "e", "f": "æf", "g": "ge", "h": "hå", "i": "i",
    "j": "jåd", "k": "kå", "l": "æl", "m": "æm", "n": "æn", "o": "o", "p": "pe", "q": "ku", "r": "ær",
    "s": "æs", "t": "te", "u": "u", "v": "ve", "w": "dobbelt-ve", "x": "æks", "y": "y", "z": "sæt",
    "æ": "æ", "ø": "ø", "å": "å",
}  # fmt: skip


def spell(word: str) -> str:
    """ "CPR" → "se pe ær": letter by letter, as Danes spell an acronym."""
    return " ".join(LETTERS.get(ch.lower(), ch) for ch in word if not ch.isspace())


# Case-sensitive: written this way, they are spoken this way.
ACRONYMS = {
    "MitID": "mit i de",
    "NemID": "nem i de",
    "NemKonto": "nemkonto",
    "e-Boks": "e boks",
    "eBoks": "e boks",
    "CPR": spell("CPR"),
    "CVR": spell("CVR"),
    "SMS": spell("SMS"),
    "sms": spell("SMS"),
    "ID": spell("ID"),
    "PIN": "pin",
    "SU": spell("SU"),
    "EU": spell("EU"),
    "ATP": spell("ATP"),
    "MBU": spell("MBU"),
    "PDF": spell("PDF"),
    "pdf": spell("PDF"),
    "IT": spell("IT"),
    "KL": spell("KL"),
    "DK": spell("DK"),
    "dk": spell("DK"),
    "Dokk1": "dok et",
}

# Lower-case key (without the final period) → spoken words. Matched case-insensitively.
ABBREVIATIONS = {
    "kr": "kroner",
    "nr": "nummer",
    "tlf": "telefon",
    "tel": "telefon",
    "ca": "cirka",
    "f.eks": "for eksempel",
    "fx": "for eksempel",
    "bl.a": "blandt andet",
    "dvs": "det vil sige",
    "osv": "og så videre",
    "inkl": "inklusive",
    "ekskl": "eksklusive",
    "evt": "eventuelt",
    "jf": "jævnfør",
    "mv": "med videre",
    "m.m": "med mere",
    "pga": "på grund af",
    "mht": "med hensyn til",
    "ifm": "i forbindelse med",
    "iht": "i henhold til",
    "vedr": "vedrørende",
    "stk": "stykke",
    "pkt": "punkt",
    "hhv": "henholdsvis",
}

# Units written short after a number only ("30 min.", never the pronoun "min").
UNIT_ABBR = {
    "min": "minutter", "sek": "sekunder", "t": "timer", "md": "måned", "mdr": "måneder",
    "mio": "millioner", "mia": "milliarder", "km": "kilometer", "kg": "kilo",
}  # fmt: skip

NO_SPLIT_AFTER = frozenset(
    {
        "kl", "nr", "tlf", "tel", "ca", "f.eks", "bl.a", "jf", "pkt", "evt", "inkl", "ekskl", "mht", "pga",
        "ifm", "iht", "vedr", "hhv", "ang", "stk", "att", "st", "hr", "fru", "dr", "mio", "mia", "ml",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec",
    }
)  # fmt: skip

MONTH_ABBR = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}  # fmt: skip

WEEKDAY_ABBR = {
    "man": "mandag", "mandag": "mandag", "tir": "tirsdag", "tirs": "tirsdag", "tirsdag": "tirsdag",
    "ons": "onsdag", "onsdag": "onsdag", "tor": "torsdag", "tors": "torsdag", "torsdag": "torsdag",
    "fre": "fredag", "fredag": "fredag", "lør": "lørdag", "lørdag": "lørdag", "søn": "søndag", "søndag": "søndag",
}  # fmt: skip

# Words that make "10-15" a span of opening hours rather than a count.
OPENING_CONTEXT = re.compile(
    r"(åben|åbent|åbner|åbning|telefontid|træffetid|lukket|lukker|ekspedition|"
    r"mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|hverdag|weekend|helligdag)"
)

# Words after "10-15" that make it a count ("10-15 minutter"), never a time span.
UNIT_WORDS = (
    "min", "minut", "minutter", "sek", "sekunder", "timer", "time", "dage", "dag", "døgn", "uger", "uge",
    "måneder", "måned", "år", "kr", "kroner", "procent", "%", "personer", "børn", "stk", "gange", "km", "meter",
    "arbejdsdage", "hverdage", "kg", "liter",
)  # fmt: skip

# Neuter nouns: "1 barn" → "et barn" (the default is "en").
NEUTER_NOUNS = frozenset(
    {
        "år", "barn", "kort", "pas", "nummer", "døgn", "minut", "sekund", "kvarter", "hus", "brev", "ark",
        "stykke", "møde", "sundhedskort", "kørekort", "opkald", "svar", "spørgsmål", "skema", "dokument",
    }
)  # fmt: skip
