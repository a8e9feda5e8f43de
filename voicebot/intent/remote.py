"""A remote NLU adapter: a kommune that already runs a chatbot NLU points the gateway at it.

JSON contract (the response shape of Rasa's `POST /model/parse`, a de-facto standard):

    request   POST <url>   {"text": "hvad koster et pas", "kommune": "Odder"}
    response  200          {"text": "...",
                            "intent": {"name": "pas", "confidence": 0.93},
                            "intent_ranking": [{"name": "pas", "confidence": 0.93}, ...],   (optional)
                            "entities": [{"entity": "kommune", "value": "Odder"}, ...]}     (optional)

Intent names outside our catalogue become `ukendt`. The remote confidence is used as given, so
the remote side must calibrate it against the dialplan threshold. Answers still come from our
knowledge base, so chat and phone say the same thing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from voicebot.engines.breaker import CircuitBreaker
from voicebot.errors import EngineError
from voicebot.intent.base import ALL_INTENTS, UNKNOWN, IntentResult
from voicebot.intent.knowledge import KnowledgeBase

MAX_CHARS = 2000


def _conf(value: Any) -> float:
    try:
        return min(1.0, max(0.0, float(value)))
    except (TypeError, ValueError):
        return 0.0


def parse_response(data: Any) -> tuple[str, float, dict[str, Any], tuple[tuple[str, float], ...]]:
    """(intent, confidence, entities, alternatives) from a Rasa-style parse result."""
    if not isinstance(data, dict) or not isinstance(data.get("intent"), dict):
        raise EngineError("remote NLU answered without an 'intent' object", retryable=False)
    name = str(data["intent"].get("name") or UNKNOWN)
    intent = name if name in ALL_INTENTS else UNKNOWN
    conf = _conf(data["intent"].get("confidence")) if intent != UNKNOWN or name == UNKNOWN else 0.0
    ranking = []
    for item in data.get("intent_ranking") or []:
        if isinstance(item, dict) and item.get("name") in ALL_INTENTS:
            ranking.append((str(item["name"]), _conf(item.get("confidence"))))
    alternatives = tuple(ranking[:3]) or ((intent, conf),)
    entities: dict[str, Any] = {}
    for ent in data.get("entities") or []:
        if isinstance(ent, dict) and "entity" in ent:
            entities[str(ent["entity"])] = ent.get("value")
    return intent, conf, entities, alternatives


class RemoteIntentEngine:
    def __init__(self, url: str, *, kb: KnowledgeBase, timeout_s: float = 2.0, client: httpx.Client | None = None,
                 breaker: CircuitBreaker | None = None, clock: Callable[[], float] = time.monotonic):  # fmt: skip
        self.url = url
        self.kb = kb
        self._client = client or httpx.Client(timeout=timeout_s)
        # a dead NLU costs one timeout, then fails at once (the call is transferred) until a probe succeeds
        self.breaker = breaker or CircuitBreaker(failures=2, cooldown_s=15.0)
        self.clock = clock

    def classify(
        self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None
    ) -> IntentResult:
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARS:
            return IntentResult(UNKNOWN, 0.0, {}, self.kb.conversation.get(UNKNOWN), ((UNKNOWN, 0.0),))
        if not self.breaker.allow(self.clock()):
            raise EngineError("remote NLU breaker open")
        try:
            resp = self._client.post(self.url, json={"text": text, "kommune": kommune})
            resp.raise_for_status()
            data = resp.json()
        except httpx.HTTPStatusError as exc:
            self.breaker.record_failure(self.clock())
            raise EngineError(f"remote NLU returned {exc.response.status_code}") from exc
        except (httpx.HTTPError, ValueError) as exc:
            self.breaker.record_failure(self.clock())
            raise EngineError(f"remote NLU unreachable or not JSON: {type(exc).__name__}") from exc
        self.breaker.record_success()
        intent, conf, entities, alternatives = parse_response(data)
        ans = self.kb.answer(intent, kommune)
        return IntentResult(intent, conf, entities, ans.text if ans else None, alternatives)

    def close(self) -> None:
        self._client.close()
