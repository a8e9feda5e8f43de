"""A tiny keyword engine: stem prefixes per intent. Kept as a dependency-free fake for pipeline tests;
the gateway uses voicebot.intent.engine.DanishIntentEngine."""

from __future__ import annotations

import re
from typing import Any

from voicebot.intent.base import UNKNOWN, IntentResult

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "pas": ("pas", "rejsepas"),
    "koerekort": ("kørekort", "koerekort", "korekort"),
    "flytning": ("flytte", "flytning", "adresseændring"),
    "laegeskift": ("læge", "laege", "lægeskift"),
    "sundhedskort": ("sundhedskort", "sygesikring"),
    "mitid": ("mitid", "mit id", "nemid"),
    "digital_post": ("digital post", "e-boks", "eboks"),
    "tidsbestilling": ("bestille tid", "tidsbestilling", "booke", "aftale"),
    "aabningstider": ("åbent", "åbningstid", "lukket"),
    "kontakt_adresse": ("adresse", "telefonnummer", "hvor ligger"),
    "rotter": ("rotte", "rotter"),
    "pladsanvisning": ("vuggestue", "børnehave", "dagpleje", "pasningsplads"),
    "sagsstatus": ("min sag", "sagsstatus", "status på"),
    "fuldmagt": ("fuldmagt",),
    "medarbejder": ("medarbejder", "menneske", "person", "tale med en"),
    "gentag": ("gentag", "igen", "hvad sagde"),
    "ja": ("ja", "jep", "jo"),
    "nej": ("nej", "nej tak"),
    "afslut": ("farvel", "tak for hjælpen", "det var det"),
}


class KeywordIntentEngine:
    def classify(
        self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None
    ) -> IntentResult:
        norm = " " + re.sub(r"[^\wæøå ]+", " ", text.lower()) + " "
        scores: dict[str, float] = {}
        for intent, words in _KEYWORDS.items():
            hits = sum(1 for w in words if f" {w}" in norm)
            if hits:
                scores[intent] = min(1.0, 0.6 + 0.2 * hits)
        if not scores:
            return IntentResult(UNKNOWN, 0.0)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        intent, conf = ranked[0]
        return IntentResult(intent, conf, alternatives=tuple(ranked[:3]))
