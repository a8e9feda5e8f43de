"""The knowledge base: shared answers per intent, overridden per kommune from YAML.

Like a shared contact centre: everyone gets the shared answer, and the caller's own kommune's
local facts (opening hours, address, prices, local rules) win where the kommune has them.
Every local fact keeps its source URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voicebot.errors import ConfigError
from voicebot.intent.base import TOPIC_INTENTS
from voicebot.intent.entities import canonical_kommune

DATA_DIR = Path(__file__).resolve().parent / "data"
_LOCAL_ONLY = ("aabningstider", "kontakt_adresse")  # the shared text cannot answer these


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    details: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    kommune: str | None = None  # the kommune whose facts were used; None for the shared answer
    fallback: bool = False  # True when the kommune was unknown and the shared answer was used


@dataclass
class KommuneFacts:
    name: str
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    facts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read knowledge base file: {exc}") from exc


class KnowledgeBase:
    def __init__(self, shared: dict[str, Any], kommuner: dict[str, KommuneFacts]) -> None:
        self.topics: dict[str, dict[str, Any]] = shared["topics"]
        self.conversation: dict[str, str] = shared["conversation"]
        self.notices: dict[str, str] = shared["notices"]
        self.kommuner = kommuner
        missing = [t for t in TOPIC_INTENTS if t not in self.topics]
        if missing:
            raise ConfigError(f"answers.yaml lacks topics: {', '.join(missing)}")

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> KnowledgeBase:
        shared = _load_yaml(data_dir / "answers.yaml")
        kommuner: dict[str, KommuneFacts] = {}
        for path in sorted((data_dir / "kommuner").glob("*.yaml")):
            raw = _load_yaml(path) or {}
            name = canonical_kommune(raw.get("kommune"))
            if not name:
                raise ConfigError(f"{path}: 'kommune' is not a Danish kommune: {raw.get('kommune')!r}")
            for intent in [*raw.get("answers", {}), *raw.get("facts", {})]:
                if intent not in TOPIC_INTENTS:
                    raise ConfigError(f"{path}: unknown intent {intent!r}")
            kommuner[name] = KommuneFacts(name, raw.get("answers") or {}, raw.get("facts") or {})
        return cls(shared, kommuner)

    def resolve(self, kommune: str | None) -> str | None:
        """Canonical name of a kommune we hold facts for, else None."""
        name = canonical_kommune(kommune)
        return name if name in self.kommuner else None

    def answer(self, intent: str, kommune: str | None = None) -> Answer | None:
        """The first answer for `intent` in `kommune`; conversation intents get their fixed line."""
        if intent not in self.topics:
            text = self.conversation.get(intent)
            return Answer(text) if text else None
        topic = self.topics[intent]
        shared_sources = tuple(topic.get("sources") or ())
        details = tuple(topic.get("details") or ())
        local = self.kommuner.get(self.resolve(kommune) or "")
        if local is None:
            text = f"{topic['answer']} {self.notices['unknown_kommune']}"
            return Answer(text, details, shared_sources, None, fallback=True)
        facts = local.facts.get(intent, [])
        local_details = tuple(f["text"] for f in facts)
        sources = tuple(dict.fromkeys([f["source_url"] for f in facts] + list(shared_sources)))
        override = local.answers.get(intent)
        if override:
            return Answer(override["text"], local_details + details, (override["source_url"], *sources), local.name)
        text = topic["answer"]
        if intent in _LOCAL_ONLY:
            text = f"{text} {self.notices['no_local'].format(kommune=local.name)}"
        return Answer(text, local_details + details, sources, local.name)

    def price(self, intent: str, kommune: str | None = None) -> str | None:
        """A spoken price line for follow-ups like 'hvad koster det?': local fact first, then shared."""
        local = self.kommuner.get(self.resolve(kommune) or "")
        override = local.answers.get(intent, {}).get("text", "") if local else ""
        if "kroner" in override:
            return str(override)
        fact = self._local_fact(intent, kommune, ("kroner", "gratis"))
        return fact or self.topics.get(intent, {}).get("price")

    def _local_fact(self, intent: str, kommune: str | None, words: tuple[str, ...]) -> str | None:
        local = self.kommuner.get(self.resolve(kommune) or "")
        if local is None:
            return None
        for fact in local.facts.get(intent, []):
            if any(w in fact["text"] for w in words):
                return str(fact["text"])
        return None
