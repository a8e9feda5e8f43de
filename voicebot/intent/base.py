"""The intent contract: text → IntentResult. Chat and voice call the same engine object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

TOPIC_INTENTS = (
    "pas", "koerekort", "flytning", "laegeskift", "sundhedskort", "mitid", "digital_post",
    "tidsbestilling", "aabningstider", "kontakt_adresse", "rotter", "pladsanvisning", "sagsstatus", "fuldmagt",
)  # fmt: skip
CONVERSATION_INTENTS = ("medarbejder", "gentag", "ja", "nej", "afslut")
UNKNOWN = "ukendt"
# small talk and scope replies (voicebot/intent/scope.py): a greeting, "this line is Danish", and a
# pointer to the authority that answers the question; rules, not catalogue intents
GREETING, FOREIGN, POINTER = "hilsen", "fremmedsprog", "henvisning"
SCOPE_INTENTS = (GREETING, FOREIGN, POINTER)
ALL_INTENTS = (*TOPIC_INTENTS, *CONVERSATION_INTENTS, UNKNOWN)


@dataclass(frozen=True, slots=True)
class IntentResult:
    intent: str
    confidence: float  # calibrated 0..1
    entities: dict[str, Any] = field(default_factory=dict)
    answer: str | None = None
    alternatives: tuple[tuple[str, float], ...] = ()  # top-3 (intent, confidence), best first

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "entities": self.entities,
            "answer": self.answer,
            "alternatives": [{"intent": i, "confidence": round(c, 4)} for i, c in self.alternatives],
        }


class IntentEngine(Protocol):
    def classify(
        self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None
    ) -> IntentResult: ...
