"""Scoring normalisation and WER, checked against the shared Danish number vectors."""

from __future__ import annotations

import json

import pytest

from voicebot.asr.wer import corpus_wer, edit_distance, normalize, score, wer
from voicebot.danish_numbers import split_morphemes, words_to_digits


@pytest.fixture(scope="module")
def number_vectors(corpus):
    path = corpus / "danish_lexicon" / "numbers_dates" / "ovos_number_parser_da_vectors.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_cardinal_vectors_become_digits(number_vectors):
    for digits, spoken in number_vectors["cardinal_number_to_spoken"].items():
        assert words_to_digits(spoken.split()) == [digits], spoken


def test_glued_compounds_become_digits(number_vectors):
    for spoken, value in number_vectors["spoken_compound_to_number"].items():
        tokens = words_to_digits(spoken.split())
        if value < 0:
            assert tokens == ["minus", str(-value)]
        else:
            assert tokens == [str(value)], spoken


def test_numbers_inside_sentences(number_vectors):
    for sentence, value in number_vectors["sentence_to_number"].items():
        assert str(value) in normalize(sentence)


def test_digit_sequences_stay_separate():
    assert words_to_digits(["to", "tre", "fire"]) == ["2", "3", "4"]
    assert words_to_digits(["tyve", "to"]) == ["20", "2"]
    assert words_to_digits(["en", "og", "to"]) == ["1", "og", "2"]
    assert words_to_digits(["hund", "og", "kat"]) == ["hund", "og", "kat"]
    assert words_to_digits(["fem", "og"]) == ["5", "og"]


def test_non_number_words_are_not_split():
    for word in ("tilfreds", "enten", "tirsdag", "ene", "og"):
        assert split_morphemes(word) is None
    assert split_morphemes("femogtyve") == ["fem", "og", "tyve"]


def test_normalize_case_punctuation_and_separators():
    assert normalize("Jeg skal forny mit PAS, tak!") == ["jeg", "skal", "forny", "mit", "pas", "tak"]
    assert normalize("Det koster 1.234,50 kr.") == ["det", "koster", "1234,50", "kr"]
    assert normalize("klokken 10.30") == normalize("klokken ti tredive") == ["klokken", "10", "30"]
    assert normalize("tale- og trosfrihed") == ["tale", "og", "trosfrihed"]
    assert normalize("10kr") == ["10", "kr"]
    assert normalize("Tyve", numbers=False) == ["tyve"]


def test_wer_counts_substitutions_insertions_deletions():
    assert edit_distance(["a", "b", "c"], ["a", "x", "c", "d"]) == 2
    assert edit_distance([], ["a"]) == 1
    assert wer("Jeg har enogtyve katte", "jeg har 21 katte.") == 0.0
    assert wer("jeg vil skifte læge", "jeg vil skifte") == pytest.approx(0.25)
    assert score("", "").wer == 0.0
    assert score("", "noget").wer == 1.0


def test_corpus_wer_weights_by_reference_length():
    pairs = [("en to tre fire", "1 2 3 4"), ("hej", "farvel")]
    assert corpus_wer(pairs) == pytest.approx(1 / 5)
