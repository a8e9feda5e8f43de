"""The intent engine: text → IntentResult, the same object for chat and voice.

Pipeline: guard rails (empty, too long, garbage) → model (features, spelling fix, softmax) →
calibrated confidence → the human-request rule (an explicit request for a person always wins,
voicebot/intent/human.py) → entities → short-context follow-ups ("hvad koster det?" after pas) →
the answer from the knowledge base for the caller's kommune.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voicebot.intent.asr_data import ASR_FILE, training_transcripts
from voicebot.intent.base import TOPIC_INTENTS, UNKNOWN, IntentResult
from voicebot.intent.calibration import Calibrator, raw_score
from voicebot.intent.entities import extract
from voicebot.intent.human import HUMAN_INTENT, HUMAN_RULE_CONFIDENCE, asks_for_human
from voicebot.intent.knowledge import DATA_DIR, KnowledgeBase
from voicebot.intent.model import IntentModel, load_phrases
from voicebot.intent.normalize import clean, to_ascii

MAX_CHARS = 2000
FOLLOWUP_CONFIDENCE = 0.7
_PRICE = re.compile(r"\b(koste\w*|pris\w*|betal\w*|gebyr\w*|gratis|hvor meget)\b")
_FOLLOWUP = re.compile(
    r"\b(koste\w*|pris\w*|betal\w*|gebyr\w*|gratis|medbring\w*|hvor lang tid|hvor meget|hvornaar|hvordan|"
    r"hvad med|hvad hvis|hvad saa|og for|fortael mere|mere om|detaljer|hvad kraever)\b"
)


def _looks_like_text(text: str) -> bool:
    """False for binary garbage: control characters, or hardly any letters."""
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text) or "\ufffd" in text:
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= max(1, 0.5 * len(text.strip()))


class DanishIntentEngine:
    def __init__(self, model: IntentModel, calibrator: Calibrator, kb: KnowledgeBase) -> None:
        self.model = model
        self.calibrate = calibrator
        self.kb = kb

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR, *, cache_dir: Path | None = None) -> DanishIntentEngine:
        phrases = load_phrases(data_dir / "phrases.yaml")
        extra = training_transcripts(data_dir / ASR_FILE, {t for t, _ in phrases})
        model = IntentModel(phrases, extra=extra, cache_dir=cache_dir)
        return cls(model, Calibrator.load(data_dir / "calibration.json"), KnowledgeBase.load(data_dir))

    def classify(
        self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None
    ) -> IntentResult:
        if not isinstance(text, str) or len(text) > MAX_CHARS or not clean(text) or not _looks_like_text(text):
            return self._unknown({"rejected": "input"} if isinstance(text, str) and text.strip() else {})
        ranked, coverage = self.model.predict(text)
        scored = [(i, self.calibrate(raw_score(p, coverage))) for i, p in ranked[:3]]
        entities = extract(text)
        folded = to_ascii(clean(text))
        if asks_for_human(folded):
            human = max([c for i, c in scored if i == HUMAN_INTENT] + [HUMAN_RULE_CONFIDENCE])
            scored = [(HUMAN_INTENT, human), *[s for s in scored if s[0] != HUMAN_INTENT][:2]]
            entities["human_request"] = True
        intent, confidence = scored[0]
        context = context or {}
        last = context.get("last_topic")
        followup = (
            last in TOPIC_INTENTS
            and (intent in (UNKNOWN, last) or confidence < 0.6)
            and _FOLLOWUP.search(folded) is not None
        )
        if followup and isinstance(last, str):
            intent, confidence = last, max(confidence, FOLLOWUP_CONFIDENCE)
            entities["followup"] = True
            scored = [(intent, confidence), *[s for s in scored if s[0] != intent][:2]]
        where = kommune or context.get("kommune") or entities.get("kommune")
        answer = self._answer(intent, where, price=followup and _PRICE.search(folded) is not None)
        if answer is not None:
            entities.setdefault("answer_kommune", answer[1])
            if answer[2]:
                entities["sources"] = list(answer[2])
        return IntentResult(intent, confidence, entities, answer[0] if answer else None, tuple(scored))

    def classify_nbest(
        self, nbest: Sequence[tuple[str, float]], *, kommune: str | None = None, context: dict[str, Any] | None = None
    ) -> IntentResult:
        """Several recogniser hypotheses (text, score), fused (voicebot/intent/fusion.py). Not used by
        calls by default: bench/understanding.py found no accuracy gain for its CPU time (see docs)."""
        from voicebot.intent.fusion import fuse

        return fuse(self, nbest, kommune=kommune, context=context)

    def _answer(self, intent: str, kommune: str | None, *, price: bool) -> tuple[str, str | None, tuple] | None:
        ans = self.kb.answer(intent, kommune)
        if ans is None:
            return None
        if price:
            line = self.kb.price(intent, kommune)
            if line:
                return line, ans.kommune, ans.sources
        return ans.text, ans.kommune, ans.sources

    def details(self, intent: str, kommune: str | None = None) -> tuple[str, ...]:
        """The 'tell me more' lines after the first answer."""
        ans = self.kb.answer(intent, kommune)
        return ans.details if ans else ()

    def _unknown(self, entities: dict[str, Any]) -> IntentResult:
        return IntentResult(UNKNOWN, 0.0, entities, self.kb.conversation.get(UNKNOWN), ((UNKNOWN, 0.0),))
