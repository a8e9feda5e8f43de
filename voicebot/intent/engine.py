"""The intent engine: text → IntentResult, the same object for chat and voice.

Pipeline: guard rails (empty, too long, garbage) → model (features, spelling fix, softmax) →
calibrated confidence → the human-request rule (an explicit request for a person always wins,
voicebot/intent/human.py) → small talk and scope (greetings, other languages, pointers to other
authorities: voicebot/intent/scope.py) → entities → short-context follow-ups ("hvad koster det?"
after pas; a sentence that names a topic of its own is never a follow-up) → the answer from the
knowledge base for the caller's kommune, or the one aspect asked about (price, what to bring,
deadline, booking).
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
from voicebot.intent.scope import (
    FOREIGN,
    GREETING,
    POINTER,
    RULE_CONFIDENCE,
    is_foreign,
    is_greeting,
    names_topic,
    pointer_for,
    strip_greeting,
)

MAX_CHARS = 2000
FOLLOWUP_CONFIDENCE = 0.7
NAMED_TOPIC_CONFIDENCE = 0.7  # the top guess is also the topic the sentence names itself…
NAMED_TOPIC_FLOOR = 0.5  # …and the model was already close to sure (garbled ASR text rarely is)
# the aspect a question asks about (ASCII-folded text); the first that matches wins
ASPECT_PATTERNS = (
    ("price", re.compile(r"\b(koste\w*|pris\w*|betal\w*|gebyr\w*|gratis|hvor meget)\b")),
    ("bring", re.compile(r"\b(medbring\w*|tage med|have med|tag med|hvad kraever|legitimation)\b")),
    ("booking", re.compile(r"\b(bestil\w* (en )?tid|booke?|tidsbestilling|hvor bestiller)\b")),
    ("deadline", re.compile(r"\b(hvor lang tid|hvor hurtigt|hvornaar skal|senest|frist\w*|tidligst|hvor mange dage|"
                            r"hvornaar kommer|hvornaar er)\b")),
)  # fmt: skip
_FOLLOWUP = re.compile(
    r"\b(koste\w*|pris\w*|betal\w*|gebyr\w*|gratis|medbring\w*|hvor lang tid|hvor meget|hvornaar|hvordan|"
    r"hvad med|hvad hvis|hvad saa|og for|og hvis|hvis jeg bor|fortael mere|mere om|detaljer|hvad kraever|"
    r"tage med|have med|bestil\w* tid)\b"
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

    def classify(self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None) -> IntentResult:
        if not isinstance(text, str) or len(text) > MAX_CHARS or not clean(text) or not _looks_like_text(text):
            return self._unknown({"rejected": "input"} if isinstance(text, str) and text.strip() else {})
        context = context or {}
        folded = to_ascii(clean(text))
        human = asks_for_human(folded)
        where = kommune or context.get("kommune")
        if not human:
            ruled = self._scope(folded, where)
            if ruled is not None:
                return ruled
            stripped = strip_greeting(folded)
            if stripped != folded:  # "hej, jeg skal have nyt pas": classify the question
                text = " ".join(text.split()[len(folded.split()) - len(stripped.split()) :]) or text
                folded = stripped
        ranked, coverage = self.model.predict(text)
        scored = [(i, self.calibrate(raw_score(p, coverage))) for i, p in ranked[:3]]
        entities = extract(text)
        if human:
            conf = max([c for i, c in scored if i == HUMAN_INTENT] + [HUMAN_RULE_CONFIDENCE])
            scored = [(HUMAN_INTENT, conf), *[s for s in scored if s[0] != HUMAN_INTENT][:2]]
            entities["human_request"] = True
        intent, confidence = scored[0]
        last = context.get("last_topic")
        own = names_topic(folded)
        followup = (
            last in TOPIC_INTENTS
            and own in (None, last)  # a sentence that names a topic of its own is a new question
            and (intent in (UNKNOWN, last) or confidence < 0.6)
            and _FOLLOWUP.search(folded) is not None
        )
        if own is not None and own == intent and NAMED_TOPIC_FLOOR <= confidence < NAMED_TOPIC_CONFIDENCE:
            # the model's best guess is the topic the caller names in so many words ("mit pas")
            confidence = NAMED_TOPIC_CONFIDENCE
            entities["named_topic"] = True
            scored = [(intent, confidence), *scored[1:]]
        if followup:
            intent, confidence = str(last), max(confidence, FOLLOWUP_CONFIDENCE)
            entities["followup"] = True
            scored = [(intent, confidence), *[s for s in scored if s[0] != intent][:2]]
            where = entities.get("kommune") or where  # "og hvis jeg bor i Aarhus?"
        where = where or entities.get("kommune")
        aspect = next((name for name, pat in ASPECT_PATTERNS if pat.search(folded)), None)
        ans = self.kb.answer(intent, where, aspect if intent in TOPIC_INTENTS else None)
        if ans is not None:
            entities.setdefault("answer_kommune", ans.kommune)
            if aspect and intent in TOPIC_INTENTS and self.kb.aspect(intent, where, aspect) is not None:
                entities["aspect"] = aspect
            if ans.sources:
                entities["sources"] = list(ans.sources)
                entities["source_owners"] = [self.kb.owner(u, ans.kommune) for u in ans.sources]
        return IntentResult(intent, confidence, entities, ans.text if ans else None, tuple(scored))

    def classify_nbest(
        self, nbest: Sequence[tuple[str, float]], *, kommune: str | None = None, context: dict[str, Any] | None = None
    ) -> IntentResult:
        """Several recogniser hypotheses (text, score), fused (voicebot/intent/fusion.py). Not used by
        calls by default: bench/understanding.py found no accuracy gain for its CPU time (see docs)."""
        from voicebot.intent.fusion import fuse

        return fuse(self, nbest, kommune=kommune, context=context)

    def _scope(self, folded: str, kommune: str | None) -> IntentResult | None:
        """Greetings, other languages and other authorities' questions (voicebot/intent/scope.py)."""
        alts = ((UNKNOWN, 0.0),)
        if is_greeting(folded):
            return IntentResult(GREETING, RULE_CONFIDENCE, {}, self.kb.conversation.get(GREETING), alts)
        if is_foreign(folded):
            return IntentResult(FOREIGN, RULE_CONFIDENCE, {}, self.kb.conversation.get(FOREIGN), alts)
        name = pointer_for(folded)
        ans = self.kb.pointer(name, kommune) if name else None
        if ans is None:
            return None
        owners = [self.kb.owner(u, ans.kommune) for u in ans.sources]
        entities: dict[str, Any] = {"pointer": name, "sources": list(ans.sources), "source_owners": owners}
        return IntentResult(POINTER, RULE_CONFIDENCE, entities, ans.text, alts)

    def details(self, intent: str, kommune: str | None = None) -> tuple[str, ...]:
        """The 'tell me more' lines after the first answer."""
        ans = self.kb.answer(intent, kommune)
        return ans.details if ans else ()

    def _unknown(self, entities: dict[str, Any]) -> IntentResult:
        return IntentResult(UNKNOWN, 0.0, entities, self.kb.conversation.get(UNKNOWN), ((UNKNOWN, 0.0),))
