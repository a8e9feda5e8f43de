"""The human-request rule: explicit requests for a person always match; mere mentions do not."""

from __future__ import annotations

import pytest

from voicebot.intent.human import asks_for_human
from voicebot.intent.normalize import clean, to_ascii


def _asks(text: str) -> bool:
    return asks_for_human(to_ascii(clean(text)))


@pytest.mark.parametrize("text", [
    "Jeg vil gerne tale med en medarbejder.", "Må jeg tale med et rigtigt menneske?",
    "Stil mig om til en sagsbehandler!", "Kan jeg få en medarbejder?", "Medarbejder.", "medarbejder tak",
    "Jeg vil gerne snakke med en person", "Kan du stille mig videre til en medarbejder?",
])  # fmt: skip
def test_explicit_requests_match(text):
    assert _asks(text)


@pytest.mark.parametrize("text", [
    "Jeg har talt med en medarbejder om mit pas", "Mit pas er udløbet", "Hvad koster et personnummer",
    "Jeg skal tale med min læge", "Kan jeg få en tid til pas", "Jeg vil gerne melde flytning for en person mere",
    # transcripts where Whisper copied the old prompt's "medarbejder" into unrelated speech
    "Må jeg køre med en medarbejder? Må jag køre mennes jeg menta på den uger kørekort.",
    "Mit pas, kørekort, medarbejder, medan",
])  # fmt: skip
def test_mentions_do_not_match(text):
    assert not _asks(text)
