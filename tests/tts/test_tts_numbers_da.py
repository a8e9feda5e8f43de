"""Danish number words, table by table."""

import pytest

from voicebot.danish_numbers import speak as nd


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "nul"),
        (1, "en"),
        (7, "syv"),
        (10, "ti"),
        (15, "femten"),
        (20, "tyve"),
        (21, "enogtyve"),
        (30, "tredive"),
        (42, "toogfyrre"),
        (50, "halvtreds"),
        (67, "syvogtres"),
        (70, "halvfjerds"),
        (80, "firs"),
        (91, "enoghalvfems"),
        (99, "nioghalvfems"),
        (100, "et hundrede"),
        (105, "et hundrede og fem"),
        (891, "otte hundrede og enoghalvfems"),
        (1000, "et tusind"),
        (1005, "et tusind og fem"),
        (1250, "et tusind to hundrede og halvtreds"),
        (2024, "to tusind og fireogtyve"),
        (100_000, "et hundrede tusind"),
        (1_000_000, "en million"),
        (2_500_000, "to millioner fem hundrede tusind"),
        (-5, "minus fem"),
    ],
)
def test_cardinal(n: int, words: str) -> None:
    assert nd.cardinal(n) == words


def test_cardinal_neuter_one() -> None:
    assert nd.cardinal(1, neuter=True) == "et"


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "første"),
        (2, "anden"),
        (3, "tredje"),
        (4, "fjerde"),
        (6, "sjette"),
        (11, "ellevte"),
        (12, "tolvte"),
        (20, "tyvende"),
        (24, "fireogtyvende"),
        (30, "tredivte"),
        (31, "enogtredivte"),
        (40, "fyrretyvende"),
        (50, "halvtredsindstyvende"),
        (99, "nioghalvfemsindstyvende"),
    ],
)
def test_ordinal(n: int, words: str) -> None:
    assert nd.ordinal(n) == words


@pytest.mark.parametrize(
    ("y", "words"),
    [(1998, "nitten hundrede og otteoghalvfems"), (1900, "nitten hundrede"), (2024, "to tusind og fireogtyve")],
)
def test_year(y: int, words: str) -> None:
    assert nd.year(y) == words


@pytest.mark.parametrize(
    ("h", "m", "words"),
    [
        (9, 0, "ni"),
        (15, 0, "femten"),
        (1, 0, "et"),
        (9, 30, "halv ti"),
        (12, 30, "halv et"),
        (15, 30, "halv fire"),
        (9, 15, "kvart over ni"),
        (9, 45, "kvart i ti"),
        (14, 5, "fjorten nul fem"),
        (14, 20, "fjorten tyve"),
    ],
)
def test_clock(h: int, m: int, words: str) -> None:
    assert nd.clock(h, m) == words


def test_clock_rejects_impossible_times() -> None:
    with pytest.raises(ValueError):
        nd.clock(25, 0)


@pytest.mark.parametrize(
    ("digits", "words"),
    [
        ("70201212", "halvfjerds tyve tolv tolv"),
        ("33661000", "treogtredive seksogtres ti nul nul"),
        ("0805", "nul otte nul fem"),
        ("112", "en tolv"),
    ],
)
def test_digit_pairs(digits: str, words: str) -> None:
    assert nd.digit_pairs(digits) == words
