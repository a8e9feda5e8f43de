"""Knowledge base: per-kommune overrides with sources, fallback to shared answers that says so."""

from __future__ import annotations

import re

import pytest
import yaml

from voicebot.intent.base import TOPIC_INTENTS
from voicebot.intent.knowledge import DATA_DIR, KnowledgeBase


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def test_required_kommuner_present(kb):
    for name in ("Odder", "Aarhus", "Odense", "Frederiksberg", "Vejle", "Horsens"):
        assert name in kb.kommuner


def test_override_wins_and_keeps_source(kb):
    ans = kb.answer("laegeskift", "vejle")
    assert "225 kroner" in ans.text and ans.kommune == "Vejle" and not ans.fallback
    assert ans.sources[0].startswith("https://www.vejle.dk/")


def test_known_kommune_without_override_uses_shared_text_and_local_details(kb):
    ans = kb.answer("pas", "Gentofte")
    assert ans.text == kb.topics["pas"]["answer"]
    assert any("3 uger" in d for d in ans.details)


def test_unknown_kommune_falls_back_and_says_so(kb):
    for kommune in (None, "Atlantis", "Kolding"):
        ans = kb.answer("pas", kommune)
        assert ans.fallback and kb.notices["unknown_kommune"] in ans.text


def test_local_only_topic_says_it_lacks_local_facts(kb):
    assert "Vejle" in kb.answer("aabningstider", "Vejle").text
    assert "onsdag" in kb.answer("aabningstider", "Odder").text


def test_first_answers_are_short_and_spoken(kb):
    for intent in TOPIC_INTENTS:
        for kommune in (None, *kb.kommuner):
            text = kb.answer(intent, kommune).text
            assert _sentences(text) <= 2, (intent, kommune, text)
            assert not re.search(r"\b(kr|tlf|kl)\.?\s", text), text


def test_every_local_fact_has_a_source_url():
    for path in (DATA_DIR / "kommuner").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for facts in data.get("facts", {}).values():
            assert all(f["source_url"].startswith("http") for f in facts), path
        for ans in data.get("answers", {}).values():
            assert ans["source_url"].startswith("http"), path


def test_price_followup_prefers_local(kb):
    assert "891" in kb.price("pas", "Frederiksberg")
    assert "kroner" in kb.price("pas", None)


def test_kommune_aspect_lines_override_the_shared_ones(kb):
    kk = kb.aspect("pas", "København", "bring")
    assert "130 kroner" in kk.text and kk.owners == ("København Kommune",) and kk.kommune == "København"
    assert kb.aspect("pas", "Odder", "bring").text == kb.topics["pas"]["bring"]
    assert kb.aspect("pas", "Odder", "bring").owners == ("borger.dk",)
    assert "lukket kuvert" in kb.aspect("koerekort", "Thisted", "bring").text
    # København states no pas fee of its own: the national one, from the national source
    assert "891" in kb.aspect("pas", "København", "price").text
    assert kb.aspect("pas", "København", "price").owners == ("borger.dk",)
