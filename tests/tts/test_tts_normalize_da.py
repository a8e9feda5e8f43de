"""Danish read-out: what a caller must hear for amounts, times, dates, phone numbers, abbreviations."""

import pytest

from voicebot.tts.normalize_da import normalize, sanitize

AMOUNTS = [
    ("891 kr.", "otte hundrede og enoghalvfems kroner"),
    ("Det koster 891 kr.", "Det koster otte hundrede og enoghalvfems kroner"),
    (
        "Et pas koster 891 kr. Du betaler ved bestilling.",
        "Et pas koster otte hundrede og enoghalvfems kroner. Du betaler ved bestilling.",
    ),
    ("1 kr.", "en krone"),
    ("1.250 kr.", "et tusind to hundrede og halvtreds kroner"),
    ("99,50 kr.", "nioghalvfems kroner og halvtreds øre"),
    ("kr. 50,-", "halvtreds kroner"),
    ("Gebyret er 300 kroner", "Gebyret er tre hundrede kroner"),
    ("DKK 1.200,50", "et tusind to hundrede kroner og halvtreds øre"),
    ("2,5 mio. kr.", "to komma fem millioner kroner"),
    ("25 %", "femogtyve procent"),
]

TIMES = [
    ("kl. 9.30", "klokken halv ti"),
    ("kl. 9", "klokken ni"),
    ("klokken 14.05", "klokken fjorten nul fem"),
    ("kl 8:15", "klokken kvart over otte"),
    ("Vi åbner 9:45", "Vi åbner klokken kvart i ti"),
    ("Vi har åbent 10-15.", "Vi har åbent fra klokken ti til klokken femten."),
    ("Åbningstid: mandag-fredag 10-15", "Åbningstid: mandag til fredag fra klokken ti til klokken femten"),
    ("man-fre 8.30-15.30", "mandag til fredag fra klokken halv ni til klokken halv fire"),
    ("kl. 10-15", "fra klokken ti til klokken femten"),
    ("fra kl. 8 til kl. 16", "fra klokken otte til klokken seksten"),
    ("Det tager 10-15 minutter", "Det tager ti til femten minutter"),
    ("Svar inden for 2-3 dage", "Svar inden for to til tre dage"),
]

DATES = [
    ("24/12", "den fireogtyvende december"),
    ("Vi holder lukket den 24/12", "Vi holder lukket den fireogtyvende december"),
    ("1/5-2025", "den første maj to tusind og femogtyve"),
    ("24.12.2024", "den fireogtyvende december to tusind og fireogtyve"),
    ("2024-12-24", "den fireogtyvende december to tusind og fireogtyve"),
    ("24. december", "den fireogtyvende december"),
    ("den 3. maj", "den tredje maj"),
    ("Lukket 31. dec.", "Lukket den enogtredivte december"),
    ("Vi lukker 15.5. Kom igen", "Vi lukker den femtende maj. Kom igen"),
    ("åbent 24/7", "åbent døgnet rundt"),
    ("født i 1998", "født i nitten hundrede og otteoghalvfems"),
]

PHONES = [
    ("70 20 12 12", "halvfjerds tyve tolv tolv"),
    ("Ring på 70 20 12 12.", "Ring på halvfjerds tyve tolv tolv."),
    ("tlf. 89404000", "telefon niogfirs fyrre fyrre nul nul"),
    ("+45 70201212", "plus femogfyrre halvfjerds tyve tolv tolv"),
    ("8940 4000", "niogfirs fyrre fyrre nul nul"),
    ("Ring 112", "Ring en en to"),
    ("Ring 1813", "Ring atten tretten"),
]

ABBREVIATIONS = [
    ("Log ind med MitID", "Log ind med mit i de"),
    ("NemID er udfaset", "nem i de er udfaset"),
    ("dit CPR-nummer", "dit se pe ær nummer"),
    ("post i e-Boks", "post i e boks"),
    ("Du får en SMS", "Du får en æs æm æs"),
    ("Tag f.eks. dit pas med", "Tag for eksempel dit pas med"),
    ("bl.a. Borgerservice", "blandt andet Borgerservice"),
    ("ca. 3 uger", "cirka tre uger"),
    ("værelse nr. 12", "værelse nummer tolv"),
    ("pas, kørekort osv. Derefter", "pas, kørekort og så videre. Derefter"),
    ("Vent 30 min.", "Vent tredive minutter"),
    ("Jeg har min bil", "Jeg har min bil"),
    ("Se borger.dk", "Se borger punktum de kå"),
    ("skriv til post@aarhus.dk", "skriv til post snabel a aarhus punktum de kå"),
    ("Tast # eller *", "Tast firkant eller stjerne"),
    ("Børn & Unge", "Børn og Unge"),
]

ORDINALS_AND_NUMBERS = [
    ("1. sal", "første sal"),
    ("på 2. sal til venstre", "på anden sal til venstre"),
    ("den 21. gang", "den enogtyvende gang"),
    ("1 barn og 1 voksen", "et barn og en voksen"),
    ("uge 42", "uge toogfyrre"),
    ("2,5 liter", "to komma fem liter"),
    ("-5 grader", "minus fem grader"),
    ("postnummer 8000", "postnummer otte tusind"),
    ("kode 0042", "kode nul nul fire to"),
]


@pytest.mark.parametrize(("text", "spoken"), AMOUNTS)
def test_amounts(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), TIMES)
def test_times(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), DATES)
def test_dates(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), PHONES)
def test_phone_numbers_in_pairs(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), ABBREVIATIONS)
def test_abbreviations(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(("text", "spoken"), ORDINALS_AND_NUMBERS)
def test_ordinals_and_numbers(text: str, spoken: str) -> None:
    assert normalize(text) == spoken


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("", ""),
        ("   ", ""),
        ("Hej 😀 med dig", "Hej med dig"),
        ("Hej\x07med\x00dig\r\n", "Hej med dig"),
        ("Tak 👍🏽!", "Tak !"),
        ("e\u0301", "é"),  # NFC
    ],
)
def test_sanitize(text: str, clean: str) -> None:
    assert sanitize(text) == clean


def test_emoji_only_text_normalises_to_nothing() -> None:
    assert normalize("🙂🙂 ✅") == ""


def test_no_digits_survive_in_a_typical_answer() -> None:
    answer = (
        "Borgerservice har åbent mandag-fredag 10-15, torsdag til kl. 17.30. Et pas koster 891 kr. "
        "Ring på 70 20 12 12 eller se aarhus.dk. Vi holder lukket 24/12 og 31/12."
    )
    spoken = normalize(answer)
    assert not any(ch.isdigit() for ch in spoken), spoken
    assert "halv seks" in spoken and "otte hundrede og enoghalvfems kroner" in spoken
