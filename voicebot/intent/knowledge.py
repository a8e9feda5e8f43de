"""The knowledge base: shared answers per intent, overridden per kommune from YAML.

Like a shared contact centre: everyone gets the shared answer, and the caller's own kommune's
local facts (opening hours, address, prices, local rules) win where the kommune has them.

Provenance: a shared answer cites national sources only (`NATIONAL_DOMAINS`); a kommune file
lists its own sites under `domains`, and every source in it must be on one of them. A file that
cites another kommune's page, or a newspaper, is rejected at load. `Answer.owners` says whose
facts an answer gives ("Odder Kommune", "borger.dk").

Aspects answer the follow-up questions citizens ask most: `price`, `bring`, `deadline`,
`booking`. A kommune's `answers.<intent>.<aspect>` wins over the shared line. (A local fact
that mentions kroner is not taken as the price: "pasfoto 130 kroner" is not what a pas costs.)
Pointers (`pointer()`) answer questions another authority handles: skat, affald, politi, sundhed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from voicebot.errors import ConfigError
from voicebot.intent.base import TOPIC_INTENTS
from voicebot.intent.entities import canonical_kommune

DATA_DIR = Path(__file__).resolve().parent / "data"
_LOCAL_ONLY = ("aabningstider", "kontakt_adresse")  # the shared text cannot answer these
ASPECTS = ("price", "bring", "deadline", "booking")
# the shared national sources every kommune may cite (domain → who it is)
NATIONAL_DOMAINS = {
    "borger.dk": "borger.dk", "fstyr.dk": "Færdselsstyrelsen", "digst.dk": "Digitaliseringsstyrelsen",
    "mitid.dk": "MitID", "sundhed.dk": "sundhed.dk", "mst.dk": "Miljøstyrelsen", "skat.dk": "Skattestyrelsen",
    "politi.dk": "Politiet",
}  # fmt: skip
POINTERS = ("skat", "affald", "politi", "sundhed")


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def on_domain(url: str, domains: tuple[str, ...] | list[str] | Any) -> bool:
    host = domain_of(url)
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    details: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    kommune: str | None = None  # the kommune whose facts were used; None for the shared answer
    fallback: bool = False  # True when the kommune was unknown and the shared answer was used
    owners: tuple[str, ...] = ()  # whose pages the sources are: "Odder Kommune", "borger.dk", …


@dataclass
class KommuneFacts:
    name: str
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    facts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    domains: tuple[str, ...] = ()
    pointers: dict[str, dict[str, str]] = field(default_factory=dict)


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read knowledge base file: {exc}") from exc


def kommune_sources(raw: dict[str, Any]) -> list[str]:
    """Every source URL a kommune file cites."""
    urls = [f["source_url"] for facts in (raw.get("facts") or {}).values() for f in facts]
    urls += [a["source_url"] for a in (raw.get("answers") or {}).values() if a.get("source_url")]
    urls += [p["source_url"] for p in (raw.get("pointers") or {}).values() if p.get("source_url")]
    return urls


def _check_kommune(path: Path, raw: dict[str, Any]) -> None:
    domains = raw.get("domains") or []
    if not domains:
        raise ConfigError(f"{path}: 'domains' lists no kommune site (every source must be on one)")
    for url in kommune_sources(raw):
        if not (on_domain(url, domains) or on_domain(url, NATIONAL_DOMAINS)):
            raise ConfigError(f"{path}: source {url} is neither on {', '.join(domains)} nor a national source")
    for intent in [*(raw.get("answers") or {}), *(raw.get("facts") or {})]:
        if intent not in TOPIC_INTENTS:
            raise ConfigError(f"{path}: unknown intent {intent!r}")
    for name in raw.get("pointers") or {}:
        if name not in POINTERS:
            raise ConfigError(f"{path}: unknown pointer {name!r}; known: {', '.join(POINTERS)}")


class KnowledgeBase:
    def __init__(self, shared: dict[str, Any], kommuner: dict[str, KommuneFacts]) -> None:
        self.topics: dict[str, dict[str, Any]] = shared["topics"]
        self.conversation: dict[str, str] = shared["conversation"]
        self.notices: dict[str, str] = shared["notices"]
        self.pointers: dict[str, dict[str, Any]] = shared.get("pointers") or {}
        self.kommuner = kommuner
        missing = [t for t in TOPIC_INTENTS if t not in self.topics]
        if missing:
            raise ConfigError(f"answers.yaml lacks topics: {', '.join(missing)}")
        for where, entry in [*self.topics.items(), *self.pointers.items()]:
            for url in entry.get("sources") or ():
                if not on_domain(url, NATIONAL_DOMAINS):
                    raise ConfigError(f"answers.yaml: {where} cites {url}, which is not a national source")

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> KnowledgeBase:
        shared = _load_yaml(data_dir / "answers.yaml")
        kommuner: dict[str, KommuneFacts] = {}
        for path in sorted((data_dir / "kommuner").glob("*.yaml")):
            raw = _load_yaml(path) or {}
            name = canonical_kommune(raw.get("kommune"))
            if not name:
                raise ConfigError(f"{path}: 'kommune' is not a Danish kommune: {raw.get('kommune')!r}")
            _check_kommune(path, raw)
            kommuner[name] = KommuneFacts(
                name, raw.get("answers") or {}, raw.get("facts") or {}, tuple(raw["domains"]), raw.get("pointers") or {}
            )
        return cls(shared, kommuner)

    def resolve(self, kommune: str | None) -> str | None:
        """Canonical name of a kommune we hold facts for, else None."""
        name = canonical_kommune(kommune)
        return name if name in self.kommuner else None

    def owner(self, url: str, kommune: str | None) -> str:
        """Whose page `url` is: a national body, the kommune ("Odder Kommune"), or "?"."""
        national = next((who for d, who in NATIONAL_DOMAINS.items() if on_domain(url, (d,))), None)
        local = self.kommuner.get(kommune or "")
        return national or (f"{local.name} Kommune" if local and on_domain(url, local.domains) else "?")

    def owners(self, sources: tuple[str, ...], kommune: str | None) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.owner(url, kommune) for url in sources))

    def _made(self, text: str, details: tuple[str, ...], sources: tuple[str, ...], kommune: str | None,
              fallback: bool = False) -> Answer:  # fmt: skip
        sources = tuple(dict.fromkeys(sources))
        return Answer(text, details, sources, kommune, fallback, self.owners(sources, kommune))

    def answer(self, intent: str, kommune: str | None = None, aspect: str | None = None) -> Answer | None:
        """The answer for `intent` in `kommune` (the first answer, or one `aspect` of it);
        conversation intents get their fixed line."""
        if intent not in self.topics:
            text = self.conversation.get(intent)
            return Answer(text) if text else None
        if aspect is not None:
            found = self.aspect(intent, kommune, aspect)
            if found is not None:
                return found
        topic = self.topics[intent]
        shared_sources = tuple(topic.get("sources") or ())
        details = tuple(topic.get("details") or ())
        local = self.kommuner.get(self.resolve(kommune) or "")
        if local is None:
            text = f"{topic['answer']} {self.notices['unknown_kommune']}"
            return self._made(text, details, shared_sources, None, fallback=True)
        facts = local.facts.get(intent, [])
        local_details = tuple(f["text"] for f in facts)
        sources = tuple([f["source_url"] for f in facts] + list(shared_sources))
        override = local.answers.get(intent)
        if override and override.get("text"):
            return self._made(override["text"], local_details + details, (override["source_url"], *sources), local.name)
        text = topic["answer"]
        if intent in _LOCAL_ONLY:
            text = f"{text} {self.notices['no_local'].format(kommune=local.name)}"
        return self._made(text, local_details + details, sources, local.name)

    def aspect(self, intent: str, kommune: str | None, aspect: str) -> Answer | None:
        """One aspect line (price, what to bring, deadline, booking): the kommune's own first."""
        topic = self.topics.get(intent)
        if topic is None or aspect not in ASPECTS:
            return None
        local = self.kommuner.get(self.resolve(kommune) or "")
        name = local.name if local else None
        if local is not None:
            override = local.answers.get(intent) or {}
            if override.get(aspect):
                return self._made(str(override[aspect]), (), (override["source_url"],), name)
        if topic.get(aspect):
            return self._made(str(topic[aspect]), (), tuple(topic.get("sources") or ()), name)
        return None

    def price(self, intent: str, kommune: str | None = None) -> str | None:
        """A spoken price line for follow-ups like 'hvad koster det?': local first, then shared."""
        found = self.aspect(intent, kommune, "price")
        return found.text if found else None

    def pointer(self, name: str, kommune: str | None = None) -> Answer | None:
        """Where to ask instead, for a question another authority (or another office) answers."""
        shared = self.pointers.get(name)
        if shared is None:
            return None
        local = self.kommuner.get(self.resolve(kommune) or "")
        mine = local.pointers.get(name) if local else None
        if local is not None and mine and shared.get("local"):
            text = str(shared["local"]).format(kommune=local.name, **mine)
            return self._made(text, (), (mine["source_url"],), local.name)
        return self._made(str(shared["answer"]), (), tuple(shared.get("sources") or ()), local.name if local else None)
