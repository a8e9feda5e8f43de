"""Entities in an utterance: kommune, weekday, date, numbers, yes/no. Pure and tolerant of æøå loss."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from voicebot.danish_numbers import find_numbers
from voicebot.intent.normalize import clean, to_ascii

KOMMUNER = (
    "Albertslund", "Allerød", "Assens", "Ballerup", "Billund", "Bornholm", "Brøndby", "Brønderslev", "Dragør",
    "Egedal", "Esbjerg", "Fanø", "Favrskov", "Faxe", "Fredensborg", "Fredericia", "Frederiksberg",
    "Frederikshavn", "Frederikssund", "Furesø", "Faaborg-Midtfyn", "Gentofte", "Gladsaxe", "Glostrup", "Greve",
    "Gribskov", "Guldborgsund", "Haderslev", "Halsnæs", "Hedensted", "Helsingør", "Herlev", "Herning",
    "Hillerød", "Hjørring", "Holbæk", "Holstebro", "Horsens", "Hvidovre", "Høje-Taastrup", "Hørsholm",
    "Ikast-Brande", "Ishøj", "Jammerbugt", "Kalundborg", "Kerteminde", "Kolding", "København", "Køge",
    "Langeland", "Lejre", "Lemvig", "Lolland", "Lyngby-Taarbæk", "Læsø", "Mariagerfjord", "Middelfart", "Morsø",
    "Norddjurs", "Nordfyns", "Nyborg", "Næstved", "Odder", "Odense", "Odsherred", "Randers", "Rebild",
    "Ringkøbing-Skjern", "Ringsted", "Roskilde", "Rudersdal", "Rødovre", "Samsø", "Silkeborg", "Skanderborg",
    "Skive", "Slagelse", "Solrød", "Sorø", "Stevns", "Struer", "Svendborg", "Syddjurs", "Sønderborg", "Thisted",
    "Tønder", "Tårnby", "Vallensbæk", "Varde", "Vejen", "Vejle", "Vesthimmerlands", "Viborg", "Vordingborg",
    "Ærø", "Aabenraa", "Aalborg", "Aarhus",
)  # fmt: skip
_ALIASES = {"århus": "Aarhus", "kbh": "København", "københavn": "København", "lyngby": "Lyngby-Taarbæk",
            "taastrup": "Høje-Taastrup", "ringkøbing": "Ringkøbing-Skjern", "vesthimmerland": "Vesthimmerlands",
            "faaborg": "Faaborg-Midtfyn", "ikast": "Ikast-Brande", "nordfyn": "Nordfyns"}  # fmt: skip
_NEEDS_KOMMUNE = {"vejen", "greve", "lejre", "ikast", "rebild"}  # common words or weak cues alone
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")  # fmt: skip
_YES = {"ja", "jah", "jaa", "jo", "jep", "jeps", "jamen", "javel", "yes", "okay", "ok", "gerne", "korrekt",
        "rigtigt", "præcis", "bestemt", "selvfølgelig", "sikkert", "jadak"}  # fmt: skip
_NO = {"nej", "nejtak", "næ", "nae", "nope", "nix", "forkert", "neej", "nej tak"}


def _key(name: str) -> str:
    return to_ascii(clean(name)).replace(" ", "")


@lru_cache(maxsize=1)
def _kommune_index() -> dict[str, str]:
    index = {_key(k): k for k in KOMMUNER}
    index.update({_key(a): k for a, k in _ALIASES.items()})
    index[_key("Århus")] = "Aarhus"
    return index


def canonical_kommune(name: str | None) -> str | None:
    """'odder', 'Odder Kommune', 'koebenhavns' → the canonical name; None when not a kommune."""
    if not name:
        return None
    key = _key(name)
    key = key.removesuffix("kommune")
    index = _kommune_index()
    for cand in (key, key.removesuffix("s"), key.removesuffix("kommunes")):
        if cand in index:
            return index[cand]
    if len(key) >= 5:
        best = max(index, key=lambda k: fuzz.ratio(k, key))
        if fuzz.ratio(best, key) >= 88:
            return index[best]
    return None


def find_kommune(words: list[str]) -> str | None:
    index = _kommune_index()
    asc = [to_ascii(w) for w in words]
    for n in (3, 2, 1):
        for i in range(len(asc) - n + 1):
            key = "".join(asc[i : i + n])
            for cand in (key, key.removesuffix("s")):
                if cand in index and len(cand) >= 3:
                    nxt = asc[i + n] if i + n < len(asc) else ""
                    if cand in _NEEDS_KOMMUNE and not nxt.startswith("kommune"):
                        continue
                    if cand in ("to", "tre"):
                        continue
                    return index[cand]
    return None


def _match(word: str, vocab: tuple[str, ...]) -> int | None:
    a = to_ascii(word)
    for i, v in enumerate(vocab):
        if a == to_ascii(v) or (len(a) >= 5 and fuzz.ratio(a, to_ascii(v)) >= 85):
            return i
    return None


def yes_no(words: list[str]) -> bool | None:
    """True/False from the first words ('ja tak', 'nej det er forkert'); None when neither."""
    head = [to_ascii(w) for w in words[:3]]
    if any(w in _NO or w == to_ascii("næ") for w in head):
        return False
    if any(w in _YES for w in head):
        return True
    return None


def extract(text: str) -> dict[str, Any]:
    words = clean(text).split()
    ents: dict[str, Any] = {}
    kommune = find_kommune(words)
    if kommune:
        ents["kommune"] = kommune
    for w in words:
        d = _match(w, WEEKDAYS)
        if d is not None:
            ents["weekday"] = WEEKDAYS[d]
            break
    joined = " ".join(words)
    for rel, tag in (("i overmorgen", "overmorgen"), ("i morgen", "i_morgen"), ("i dag", "i_dag")):
        if rel in joined:
            ents["relative_day"] = tag
            break
    numbers = find_numbers(words)
    for _start, end, value, _is_ord in numbers:
        month = _match(words[end], MONTHS) if end < len(words) else None
        if month is not None and 1 <= value <= 31:
            date: dict[str, int] = {"day": value, "month": month + 1}
            year = next((v for s, _, v, o in numbers if s == end + 1 and not o and 1900 <= v <= 2100), None)
            if year:
                date["year"] = year
            ents["date"] = date
            break
    cardinals = [v for _, _, v, o in numbers if not o]
    if cardinals:
        ents["numbers"] = cardinals
    yn = yes_no(words)
    if yn is not None:
        ents["yes_no"] = yn
    return ents
