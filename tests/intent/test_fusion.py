"""N-best fusion (voicebot/intent/fusion.py): weighted by recogniser scores, pure logic with a fake engine."""

from __future__ import annotations

from typing import Any

from voicebot.intent.base import IntentResult
from voicebot.intent.fusion import fuse

DIST = {
    "mit pas": (("pas", 0.8), ("koerekort", 0.1)),
    "mit pæs": (("pas", 0.4), ("rotter", 0.3)),
    "mit kort": (("koerekort", 0.7), ("pas", 0.2)),
    "støj": (("ukendt", 0.0),),
}


class Engine:
    def classify(self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None) -> IntentResult:
        alts = DIST[text]
        return IntentResult(alts[0][0], alts[0][1], {"text": text}, f"svar om {alts[0][0]}", alts)


def test_one_hypothesis_is_the_engine_result() -> None:
    assert fuse(Engine(), [("mit pas", 0.9)]) == Engine().classify("mit pas")


def test_agreeing_hypotheses_win_over_a_stronger_single_one() -> None:
    res = fuse(Engine(), [("mit kort", 0.4), ("mit pas", 0.3), ("mit pæs", 0.3)])
    assert res.intent == "pas" and res.answer == "svar om pas"
    assert abs(res.confidence - (0.4 * 0.2 + 0.3 * 0.8 + 0.3 * 0.4)) < 1e-9
    assert res.alternatives[0][0] == "pas" and res.entities["nbest"] == 3


def test_the_weights_come_from_the_recogniser_scores() -> None:
    assert fuse(Engine(), [("mit kort", 0.9), ("mit pas", 0.1)]).intent == "koerekort"
    assert fuse(Engine(), [("mit kort", 0.1), ("mit pas", 0.9)]).intent == "pas"


def test_empty_and_silent_hypotheses() -> None:
    assert fuse(Engine(), []).intent == "ukendt"
    assert fuse(Engine(), [("  ", 0.5)]).confidence == 0.0
    assert fuse(Engine(), [("støj", 0.5), ("mit pas", 0.5)]).intent == "pas"
