"""Danish text → the words a speech engine should say.

`normalize(text)` runs ordered passes, most specific first: clean-up, web addresses,
amounts, percentages, phone numbers, dates, time ranges, clock times, ordinals,
abbreviations, plain numbers, symbols. Each pass rewrites matches to words so later
passes never see them again. Pure and deterministic; tested table by table.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from voicebot.danish_numbers import speak as nd
from voicebot.tts.lexicon_da import (
    ABBREVIATIONS,
    ACRONYMS,
    MONTH_ABBR,
    NEUTER_NOUNS,
    NO_SPLIT_AFTER,
    OPENING_CONTEXT,
    UNIT_ABBR,
    UNIT_WORDS,
    WEEKDAY_ABBR,
    spell,
)

Match = re.Match[str]
Rule = tuple[re.Pattern[str], Callable[[Match], str]]

_NUM = r"\d{1,3}(?:\.\d{3})+|\d+"  # 1.250 (Danish thousands dot) or 891
_TIME = r"(?:[01]?\d|2[0-4])(?:[.:][0-5]\d)?"
_MONTHS = "|".join(nd.MONTHS)
_MONTH_ABBR = "|".join(MONTH_ABBR)
_WEEKDAY = "|".join(sorted(WEEKDAY_ABBR, key=len, reverse=True))


def _keep_stop(m: Match, abbr: str = "") -> str:
    """An abbreviation's period also ends the sentence when a capital follows (not after "f.eks.")."""
    if abbr.lower() in NO_SPLIT_AFTER:
        return ""
    tail = m.string[m.end() :]
    return "." if re.match(r"\s+[A-ZÆØÅ]", tail) else ""


def _int(s: str) -> int:
    return int(s.replace(".", ""))


def _decimal(whole: str, frac: str) -> str:
    frac_words = nd.digits(frac) if frac.startswith("0") or len(frac) > 2 else nd.cardinal(int(frac))
    return f"{nd.cardinal(_int(whole))} komma {frac_words}"


# ---------------------------------------------------------------- clean-up
def sanitize(text: str) -> str:
    """NFC, control characters → space, emoji and other pictographs dropped, spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        control = cat in ("Cc", "Cf", "Zl", "Zp") or ch in "\u2028\u2029"
        if control or cat in ("So", "Cs", "Co", "Cn", "Sk") or ch in "\ufe0f\u200d":
            out.append(" ")
        else:
            out.append(ch)
    return re.sub(r"\s+", " ", "".join(out)).strip()


# ---------------------------------------------------------------- passes
def _web(m: Match) -> str:
    if m.group("user"):
        return f"{_domain(m.group('user'))} snabel-a {_domain(m.group('host'))}"
    return _domain(m.group("host"))


def _domain(s: str) -> str:
    s = re.sub(r"^https?://", "", s.lower())
    host, _, path = s.partition("/")
    words = [spell(p) if p in ("dk", "eu", "nu") else p for p in host.split(".") if p and p != "www"]
    spoken = " punktum ".join(words)
    for part in (p for p in path.split("/") if p):
        spoken += " skråstreg " + part.replace(".", " punktum ")
    return spoken.replace("-", " bindestreg ")


def _amount(m: Match) -> str:
    whole, frac, scale = m.group("w"), m.group("f"), m.group("scale")
    n = _int(whole)
    if scale:
        big = "millioner" if scale.startswith("mio") or scale.startswith("mil") else "milliarder"
        words = _decimal(whole, frac) if frac else nd.cardinal(n)
        return f"{words} {big} kroner" + _keep_stop(m)
    words = "en krone" if n == 1 else f"{nd.cardinal(n)} kroner"
    if frac and frac not in ("-", "00"):
        ore = int(frac.ljust(2, "0"))
        words += f" og {nd.cardinal(ore)} øre"
    return words + _keep_stop(m)


def _percent(m: Match) -> str:
    whole, frac = m.group(1), m.group(2)
    return (_decimal(whole, frac) if frac else nd.cardinal(_int(whole))) + " procent"


def _phone(m: Match) -> str:
    prefix = "plus femogfyrre " if m.group("cc") else ""
    return prefix + nd.digit_pairs(re.sub(r"\D", "", m.group("num")))


def _date_words(day: int, month: int, year: str | None, m: Match) -> str:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    lead = "" if re.search(r"\bden\s*$", m.string[: m.start()], re.IGNORECASE) else "den "
    words = f"{lead}{nd.ordinal(day)} {nd.MONTHS[month - 1]}"
    if year:
        y = int(year)
        words += " " + (nd.year(y) if len(year) == 4 else nd.cardinal(y))
    return words


def _date_numeric(m: Match) -> str:
    words = _date_words(int(m.group("d")), int(m.group("m")), m.group("y") or None, m)
    return words + (_keep_stop(m) if m.group(0).endswith(".") else "")


def _date_iso(m: Match) -> str:
    return _date_words(int(m.group(3)), int(m.group(2)), m.group(1), m)


def _date_named(m: Match) -> str:
    month_word = m.group("mon").lower().rstrip(".")
    month = MONTH_ABBR.get(month_word) or nd.MONTHS.index(month_word) + 1
    return _date_words(int(m.group("d")), month, m.group("y"), m)


def _split_time(s: str) -> tuple[int, int]:
    h, _, mm = s.replace(":", ".").partition(".")
    return int(h), int(mm or 0)


def _clock(s: str) -> str:
    return "klokken " + nd.clock(*_split_time(s))


def _time_range(m: Match) -> str:
    a, b, lead = m.group("a"), m.group("b"), m.group("lead")
    before = m.string[max(0, m.start() - 80) : m.start()].lower()
    is_time = bool(lead) or any(c in a + b for c in ".:") or bool(OPENING_CONTEXT.search(before))
    (ha, ma), (hb, mb) = _split_time(a), _split_time(b)
    if not is_time or hb < ha or max(ha, hb) > 24:
        return f"{nd.cardinal(ha)} til {nd.cardinal(hb)}" if ma == mb == 0 else m.group(0)
    fra = "" if re.search(r"\bfra\s*$", before) else "fra "
    return f"{fra}klokken {nd.clock(ha, ma)} til klokken {nd.clock(hb, mb)}"


def _weekday_range(m: Match) -> str:
    first = WEEKDAY_ABBR[m.group(1).lower()]
    if m.group(1)[0].isupper():
        first = first.capitalize()
    return f"{first} til {WEEKDAY_ABBR[m.group(2).lower()]}"


def _ordinal(m: Match) -> str:
    return nd.ordinal(int(m.group(1)))


def _number(m: Match) -> str:
    s = m.group(0)
    sign = "minus " if s.startswith("-") else ""
    s = s.lstrip("-")
    if "," in s or re.fullmatch(r"\d+\.\d{1,2}|\d+\.\d{4,}", s):
        whole, frac = re.split(r"[,.]", s, maxsplit=1)
        return sign + _decimal(whole, frac)
    if (s.startswith("0") and len(s) > 1) or len(s.replace(".", "")) > 12:
        return sign + nd.digits(s)
    n = _int(s)
    nxt = re.match(r"\s+(\w+)", m.string[m.end() :])
    neuter = n == 1 and nxt is not None and nxt.group(1).lower() in NEUTER_NOUNS
    return sign + nd.cardinal(n, neuter=neuter)


def _abbreviation(m: Match) -> str:
    word = ABBREVIATIONS[m.group(1).lower()]
    return word + (_keep_stop(m, m.group(1)) if m.group(0).endswith(".") else "")


_UNITS_RE = "|".join(UNIT_WORDS)
_SERVICE_NUMBERS = {"112": "en en to", "114": "en en fire", "1813": "atten tretten"}
_YEAR_LEAD = "(?:i|år|siden|født|efter|før|fra|til|indtil)"

_RULES: list[Rule] = [
    (re.compile(r"\b24/7\b"), lambda m: "døgnet rundt"),
    (
        re.compile(
            r"(?:(?P<user>[\w.+-]+)@)?(?P<host>(?:https?://)?(?:www\.)?[a-zæøå0-9-]+(?:\.[a-zæøå0-9-]+)*"
            r"\.(?:dk|com|org|net|eu|nu)(?:/[\w/.-]*[\w/])?)\b",
            re.IGNORECASE,
        ),
        _web,
    ),
    (
        re.compile(
            rf"(?:\b(?:kr\.?|DKK)\s*(?P<w>{_NUM})(?:,(?P<f>\d{{1,2}}|-))?"
            r"|"
            rf"\b(?P<w2>{_NUM})(?:,(?P<f2>\d{{1,2}}|-))?\s*(?P<scale>mio\.|mia\.|millioner|milliarder)?\s*"
            r"(?:kr\.|kr\b|kroner\b|DKK\b))"
        ),
        lambda m: _amount(_AmountMatch(m)),  # type: ignore[arg-type]
    ),
    (re.compile(r"\b(\d+)(?:,(\d+))?\s*(?:%|procent\b)"), _percent),
    (
        re.compile(r"(?P<cc>\+45\s*)?(?<![\d,.])\b(?P<num>\d{2} \d{2} \d{2} \d{2}|\d{4} \d{4}|\d{8})\b(?![,.]\d)"),
        _phone,
    ),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _date_iso),
    (re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\b"), _date_numeric),
    (re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:[-/ ](?P<y>\d{4}))?\b"), _date_numeric),
    (re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>)(?=\s|$)"), _date_numeric),
    (
        re.compile(
            rf"\b(?P<d>\d{{1,2}})\.\s*(?P<mon>{_MONTHS}|(?:{_MONTH_ABBR})\.?)(?![a-zæøå])(?:\s+(?P<y>\d{{4}}))?",
            re.IGNORECASE,
        ),
        _date_named,
    ),
    (
        re.compile(rf"\b({_WEEKDAY})\.?\s*[-–]\s*({_WEEKDAY})\b\.?", re.IGNORECASE),
        _weekday_range,
    ),
    (
        re.compile(
            rf"(?P<lead>\b(?:kl\.?|klokken)\s*)?\b(?P<a>{_TIME})\s*[-–]\s*(?:kl\.?\s*)?(?P<b>{_TIME})\b"
            rf"(?!\s*(?:{_UNITS_RE})\b)(?![.,]\d)"
        ),
        _time_range,
    ),
    (re.compile(rf"\b(?:kl\.?|klokken)\s*({_TIME})\b(?![.,]\d)"), lambda m: _clock(m.group(1))),
    (re.compile(r"(?<![\d.,])\b((?:[01]?\d|2[0-3])[:.][0-5]\d)\b(?![.,:]\d)"), lambda m: _clock(m.group(1))),
    (re.compile(r"\b(\d+)\s*[-–]\s*(\d+)\b(?![.,]\d)"), lambda m: f"{m.group(1)} til {m.group(2)}"),
    (re.compile(r"(?<![\d.,])\b(112|114|1813)\b(?![.,]?\d)"), lambda m: _SERVICE_NUMBERS[m.group(1)]),
    (
        re.compile(rf"\b({_YEAR_LEAD}) (1[1-9]\d\d)\b(?![.,]\d)", re.IGNORECASE),
        lambda m: f"{m.group(1)} {nd.year(int(m.group(2)))}",
    ),
    (re.compile(r"\b(\d{1,3})\.(?=\s+[a-zæøå])"), _ordinal),
    (
        re.compile(r"(?<=\d)\s*(" + "|".join(UNIT_ABBR) + r")\b\.?"),
        lambda m: " " + UNIT_ABBR[m.group(1)] + _keep_stop(m),
    ),
    (
        re.compile(r"\b(" + "|".join(re.escape(k) for k in ACRONYMS) + r")(?=[\s\-.,!?:;)]|$)"),
        lambda m: ACRONYMS[m.group(1)],
    ),
    (
        re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in ABBREVIATIONS) + r")(?![\w])\.?", re.IGNORECASE),
        _abbreviation,
    ),
    (re.compile(r"(?<![\w,.])-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:[,.]\d+)?(?![\w])"), _number),
]

_SYMBOLS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\s*&\s*"), " og "),
    (re.compile(r"§\s*"), "paragraf "),
    (re.compile(r"(?<=\s)#(?=\s|$)|^#(?=\s)"), "firkant"),
    (re.compile(r"(?<=\s)\*(?=\s|$)"), "stjerne"),
    (re.compile(r"\s+\+\s+"), " plus "),
    (re.compile(r"\s+=\s+"), " er lig med "),
    (re.compile(r"(?<=\w)/(?=\w)"), " eller "),
    (re.compile(r"(?<=\w)-(?=\s)"), ""),
    (re.compile(r"(?<=[a-zæøå])-(?=[a-zæøå])", re.IGNORECASE), " "),  # "MitID- og NemID" → "MitID og NemID"
    (re.compile(r"\s[–—-]\s"), ", "),
    (re.compile(r"[\"“”„«»()\[\]{}<>|_~^`]"), " "),
]


_LEFTOVER_DIGITS = re.compile(r"\d+")


def _leftover(m: Match) -> str:
    s = m.group(0)
    return " " + (nd.digits(s) if len(s) > 4 or (s.startswith("0") and len(s) > 1) else nd.cardinal(int(s))) + " "


class _AmountMatch:
    """Presents the prefix (kr. 50) and suffix (50 kr.) amount forms under one set of group names."""

    def __init__(self, m: Match) -> None:
        self._m = m
        self.string = m.string

    def group(self, name: str | int = 0) -> str | None:
        if name in ("w", "f"):
            return self._m.group(name) or self._m.group(f"{name}2")
        return self._m.group(name)

    def end(self) -> int:
        return self._m.end()


@functools.lru_cache(maxsize=4096)  # pure: a cached prompt's lookup must not pay for the regexes
def normalize(text: str) -> str:
    """The spoken form of `text`. Empty or symbol-only text gives ''."""
    text = sanitize(text)
    for pattern, fn in _RULES:
        text = pattern.sub(fn, text)
    for pattern, repl in _SYMBOLS:
        text = pattern.sub(repl, text)
    text = _LEFTOVER_DIGITS.sub(_leftover, text)  # digits glued to letters: "Dokk1", "uge42"
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"([,;:])(?=\S)", r"\1 ", text)
    return re.sub(r"\s+", " ", text).strip(" ,;:")
