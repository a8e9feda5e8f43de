"""Small talk, other languages, pointers, aspects and 'a new topic wins', through the real engine."""

from __future__ import annotations

import pytest

from voicebot.intent.base import FOREIGN, GREETING, POINTER
from voicebot.intent.scope import is_foreign, names_topic, strip_greeting


@pytest.mark.parametrize("text", ["hej", "Goddag", "hej hej", "godmorgen med dig", "Hallo?", "god eftermiddag"])
def test_greetings_are_greetings_not_goodbyes(engine, text):
    res = engine.classify(text, kommune="Odder")
    assert res.intent == GREETING and res.answer == "Hej."


def test_greeting_in_front_of_a_question_is_stripped(engine):
    assert strip_greeting("hej jeg skal have nyt pas") == "jeg skal have nyt pas"
    res = engine.classify("Hej, jeg skal have et nyt pas", kommune="Odder")
    assert res.intent == "pas" and res.confidence >= 0.6


@pytest.mark.parametrize(
    "text", ["How do I get a new passport?", "Do you speak English?", "What does it cost to renew my driving licence?"]
)
def test_english_gets_the_danish_line_notice_in_both_languages(engine, text):
    res = engine.classify(text, kommune="Aarhus")
    assert res.intent == FOREIGN
    assert "dansk" in res.answer and "Danish" in res.answer and "medarbejder" in res.answer


@pytest.mark.parametrize("text", ["hvad koster et pas", "jeg vil gerne tale med en medarbejder", "the quick brown fox"])
def test_danish_and_garbage_are_not_foreign(text):
    assert not is_foreign(text)


@pytest.mark.parametrize(
    ("text", "pointer", "must"),
    [
        ("Hvornår bliver mit affald hentet?", "affald", "odder.dk"),
        ("Hvordan får jeg min årsopgørelse?", "skat", "Skattestyrelsen"),
        ("Jeg skal have ændret min forskudsopgørelse", "skat", "skat.dk"),
        ("Der har været indbrud i min bil", "politi", "114"),
        ("Jeg har ondt i maven, hvad gør jeg?", "sundhed", "lægevagten"),
    ],
)
def test_out_of_scope_gets_a_pointer(engine, text, pointer, must):
    res = engine.classify(text, kommune="Odder")
    assert res.intent == POINTER and res.entities["pointer"] == pointer
    assert must in res.answer and res.entities["sources"]


def test_affald_pointer_uses_the_kommune_file_else_the_shared_line(engine):
    assert "aarhus.dk" in engine.classify("hvornår tømmer I skraldespanden", kommune="Aarhus").answer
    assert "affaldsordningen" in engine.classify("hvornår tømmer I skraldespanden", kommune="Vejle").answer


def test_a_municipal_topic_beats_a_pointer_word(engine):
    res = engine.classify("mit pas er stjålet, skal jeg melde det til politiet?", kommune="Odder")
    assert res.intent == "pas"


@pytest.mark.parametrize(
    ("text", "intent", "fact"),
    [
        ("Hvad koster et nyt pas?", "pas", "891 kroner"),
        ("Hvad koster et nyt sundhedskort?", "sundhedskort", "220 kroner"),
        ("Hvad skal jeg betale for at få fornyet mit kørekort?", "koerekort", "180 kroner"),
        ("Hvad koster det at skifte læge?", "laegeskift", "225 kroner"),
    ],
)
def test_price_questions_get_the_price(engine, text, intent, fact):
    for kommune in ("Odder", "Aarhus", "Odense"):
        res = engine.classify(text, kommune=kommune)
        assert res.intent == intent and fact in res.answer, (kommune, res)
        assert res.entities["aspect"] == "price"


def test_local_price_overrides_the_shared_one(engine):
    assert "på Frederiksberg" in engine.classify("Hvad koster et nyt pas?", kommune="Frederiksberg").answer


def test_followup_aspects_after_a_topic(engine):
    bring = engine.classify("hvad skal jeg have med?", kommune="Odder", context={"last_topic": "koerekort"})
    assert bring.intent == "koerekort" and "gamle kørekort" in bring.answer
    when = engine.classify("hvor lang tid tager det?", kommune="Odder", context={"last_topic": "pas"})
    assert when.intent == "pas" and "tre uger" in when.answer


@pytest.mark.parametrize(
    ("last", "text", "want"),
    [
        ("mitid", "Mit pas udløber i næste måned, hvordan fornyer jeg det?", "pas"),
        ("laegeskift", "Hvornår bliver mit affald hentet?", POINTER),
        ("pas", "Hvordan melder jeg flytning?", "flytning"),
    ],
)
def test_a_sentence_with_its_own_topic_is_not_a_followup(engine, last, text, want):
    res = engine.classify(text, kommune="Odder", context={"last_topic": last})
    assert res.intent == want and not res.entities.get("followup")


def test_names_topic():
    assert names_topic("mit pas udloeber i naeste maaned") == "pas"
    assert names_topic("hvad koster det") is None
