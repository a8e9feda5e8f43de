"""Normalisation, number words (corpus vectors) and entities: pure functions."""

from __future__ import annotations

import json

import pytest

from voicebot.danish_numbers import find_numbers, parse_number, parse_ordinal
from voicebot.intent.entities import canonical_kommune, extract
from voicebot.intent.normalize import clean, phonetic, stem, to_ascii


def test_clean_lowercases_and_strips_punctuation():
    assert clean("  Hvad KOSTER et Pas?!  ") == "hvad koster et pas"
    assert clean("Mit ID virker ikke") == "mitid virker ikke"
    assert clean("c/o-adresse") == "co adresse"


def test_ascii_folding():
    assert to_ascii("kørekort på rådhuset, læge") == "koerekort paa raadhuset, laege"


@pytest.mark.parametrize("variant", ["koerekort", "korekort", "kørrekort", "kørekårt"])
def test_phonetic_key_merges_asr_spellings(variant):
    assert phonetic(variant) == phonetic("kørekort")


def test_stem_folds_inflections():
    assert stem("kørekortet") == stem("kørekort")
    assert stem("flytningen") == stem("flytning")


def test_number_vectors_from_corpus(corpus):
    vectors = json.loads((corpus / "danish_lexicon/numbers_dates/ovos_number_parser_da_vectors.json").read_text())
    for n, spoken in vectors["cardinal_number_to_spoken"].items():
        assert parse_number(spoken) == int(n), spoken
    for n, spoken in vectors["ordinal_number_to_spoken"].items():
        assert parse_ordinal(spoken) == int(n), spoken
    for spoken, n in vectors["spoken_compound_to_number"].items():
        assert parse_number(spoken) == n, spoken
    for sentence, n in vectors["sentence_to_number"].items():
        assert [v for _, _, v, _ in find_numbers(sentence.split())] == [n], sentence


@pytest.mark.parametrize(
    ("spoken", "value"),
    [("enogtyve", 21), ("en og tyve", 21), ("nitten hundrede og halvfems", 1990), ("et hundrede og en", 101),
     ("1.724", 1724), ("to tusind og sytten", 2017)],
)
def test_number_words(spoken, value):
    assert parse_number(spoken) == value


def test_non_numbers_are_none():
    assert parse_number("pas") is None
    assert parse_number("tyve fem") is None
    assert find_numbers(["jeg", "vil", "have", "et", "pas"]) == []  # a lone 'et' is an article


def test_entities_kommune_weekday_date_numbers_yes():
    ents = extract("Ja, jeg bor i Koebenhavns Kommune og kan komme på lørdag den femte maj 2026, vi er tre")
    assert ents["kommune"] == "København"
    assert ents["weekday"] == "lørdag"
    assert ents["date"] == {"day": 5, "month": 5, "year": 2026}
    assert 3 in ents["numbers"]
    assert ents["yes_no"] is True
    assert extract("nej tak")["yes_no"] is False
    assert "kommune" not in extract("vejen er lukket")  # 'Vejen' needs 'kommune' after it
    assert extract("loerdag i morgen")["relative_day"] == "i_morgen"


def test_canonical_kommune():
    assert canonical_kommune("odder kommune") == "Odder"
    assert canonical_kommune("Århus") == "Aarhus"
    assert canonical_kommune("Atlantis") is None
