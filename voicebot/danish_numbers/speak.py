"""Numbers read out in Danish: cardinals, ordinals, years, clock times and telephone pairs.

Pure functions over ints; the TTS text normaliser (`tts/normalize_da`) decides which reading applies.
"""

from __future__ import annotations

from voicebot.danish_numbers.vocabulary import ORDINAL_TENS, ORDINALS_BELOW_20

_UNITS = ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni")
_TEENS = ("ti", "elleve", "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten")
_TENS = {2: "tyve", 3: "tredive", 4: "fyrre", 5: "halvtreds", 6: "tres", 7: "halvfjerds", 8: "firs", 9: "halvfems"}

_ORD_SMALL = ORDINALS_BELOW_20
_ORD_TENS = ORDINAL_TENS

MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip

_BIG = ((10**9, "milliard", "milliarder"), (10**6, "million", "millioner"))


def _below_100(n: int) -> str:
    if n < 10:
        return _UNITS[n]
    if n < 20:
        return _TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return _TENS[tens] if unit == 0 else f"{_UNITS[unit]}og{_TENS[tens]}"


def _below_1000(n: int, *, lead_one: str) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds:
        words += [lead_one if hundreds == 1 else _UNITS[hundreds], "hundrede"]
    if rest:
        if hundreds:
            words.append("og")
        words.append(_below_100(rest))
    return words


def cardinal(n: int, *, neuter: bool = False) -> str:
    """891 → "otte hundrede og enoghalvfems"; `neuter` picks "et" for a bare 1 ("et barn")."""
    if n < 0:
        return "minus " + cardinal(-n, neuter=neuter)
    if n == 0:
        return "nul"
    if n == 1:
        return "et" if neuter else "en"
    words: list[str] = []
    rest = n
    for size, one, many in _BIG:
        count, rest = divmod(rest, size)
        if count:
            words += ["en", one] if count == 1 else [cardinal(count), many]
    thousands, rest = divmod(rest, 1000)
    if thousands:
        words += ["et", "tusind"] if thousands == 1 else [*_below_1000(thousands, lead_one="et"), "tusind"]
    if rest:
        if words and rest < 100:
            words.append("og")
        words += _below_1000(rest, lead_one="et")
    return " ".join(words)


def ordinal(n: int) -> str:
    """24 → "fireogtyvende". Beyond 99 the ordinal is read as "nummer <cardinal>"."""
    if 0 <= n < 20:
        return _ORD_SMALL[n]
    if 20 <= n < 100:
        tens, unit = divmod(n, 10)
        return _ORD_TENS[tens] if unit == 0 else f"{_UNITS[unit]}og{_ORD_TENS[tens]}"
    if n == 100:
        return "hundrede"
    if n == 1000:
        return "tusinde"
    return "nummer " + cardinal(n)


def year(n: int) -> str:
    """1998 → "nitten hundrede og otteogfirs"; 2024 → "to tusind og fireogtyve"."""
    if 1100 <= n < 2000 and n % 100:
        rest = n % 100
        return f"{cardinal(n // 100)} hundrede og {_below_100(rest)}"
    if 1100 <= n < 2000:
        return f"{cardinal(n // 100)} hundrede"
    return cardinal(n)


def _hour12(h: int) -> str:
    h = h % 12 or 12
    return "et" if h == 1 else cardinal(h)


def clock(hour: int, minute: int = 0) -> str:
    """Spoken time without "klokken": whole hours on the 24-hour dial, halves and quarters
    the way Danes say them ("halv ti", "kvart over ni"), other minutes digitally ("fjorten nul fem")."""
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        raise ValueError(f"not a time: {hour}.{minute:02d}")
    if minute == 0:
        return "et" if hour == 1 else cardinal(hour)
    if minute == 30:
        return f"halv {_hour12(hour + 1)}"
    if minute == 15:
        return f"kvart over {_hour12(hour)}"
    if minute == 45:
        return f"kvart i {_hour12(hour + 1)}"
    hour_words = "et" if hour == 1 else cardinal(hour)
    minute_words = f"nul {_UNITS[minute]}" if minute < 10 else _below_100(minute)
    return f"{hour_words} {minute_words}"


def digit_pairs(digits: str) -> str:
    """ "70201212" → "halvfjerds tyve tolv tolv"; "05" → "nul fem"; an odd digit out is read alone."""
    words: list[str] = []
    i = 0
    if len(digits) % 2:
        words.append(_UNITS[int(digits[0])])
        i = 1
    for j in range(i, len(digits), 2):
        pair = digits[j : j + 2]
        words.append(f"nul {_UNITS[int(pair[1])]}" if pair[0] == "0" else _below_100(int(pair)))
    return " ".join(words)


def digits(digits_: str) -> str:
    """Digit by digit: "1234" → "en to tre fire"."""
    return " ".join(_UNITS[int(d)] for d in digits_ if d.isdigit())
