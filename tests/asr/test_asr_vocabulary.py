"""The Whisper prompt and the Vosk phrase list built from a dialplan's vocabulary."""

from __future__ import annotations

from voicebot.asr.vocabulary import INTENT_KEYWORDS, MAX_PROMPT_CHARS, PROMPT_EXCLUDED, build_prompt, phrase_list


def test_prompt_has_kommune_places_and_every_keyword_but_the_excluded():
    p = build_prompt("Aarhus", ["Viby", "Risskov"])
    assert p.startswith("Aarhus Kommune")
    assert "Viby" in p and "Risskov" in p
    for kw in INTENT_KEYWORDS:
        if kw.casefold() not in PROMPT_EXCLUDED:
            assert kw in p, kw


def test_prompt_never_names_a_human():
    """Whisper copied "medarbejder" from the prompt into unrelated transcripts; it stays out."""
    for kommune, extra in (("Aarhus", []), (None, []), ("Odder", ["Hou", "Medarbejder"])):
        p = build_prompt(kommune, extra).casefold()
        assert "medarbejder" not in p and "tale med" not in p
    assert "medarbejder" in phrase_list("Aarhus", [])  # the Vosk grammar still needs the word


def test_prompt_without_kommune_and_dedupes_words():
    p = build_prompt(None, ["Viby", "viby", " Viby ", "Aarhus"])
    assert p.count("Viby") == 1
    assert "Kommune" not in p
    assert build_prompt("Lolland Kommune", []).count("Kommune") == 1


def test_prompt_is_capped_and_keeps_keywords():
    many = [f"Stednavn{i}" for i in range(200)]
    p = build_prompt("Aarhus", many)
    assert len(p) <= MAX_PROMPT_CHARS
    assert "Stednavn0" in p and "Stednavn199" not in p
    assert "tidsbestilling" in p


def test_phrase_list_is_lower_case_words():
    words = phrase_list("Aarhus", ["Viby J"])
    assert "aarhus" in words and "viby" in words and "j" in words
    assert "digital" in words and "post" in words and "ja" in words
    assert len(words) == len(set(words))
