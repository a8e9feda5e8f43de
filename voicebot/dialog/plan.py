"""Dialplan schema (`schema: 1`): what an operator can tune for one service number or kommune.

Pure data and shape checks only. Cross-references (intents, queues) and prompt files are
checked in `voicebot.dialog.validate`, which also maps every error to `file:line:col`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CONTEXT_FIELDS = ("kommune", "dialplan", "call_id", "caller", "called", "intents", "last_topic", "transcript",
                  "confidence", "reason", "closed")  # fmt: skip


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Message(Strict):
    """Something the bot says: text for TTS, or a prompt file (WAV) with its text as transcript."""

    text: str = Field(min_length=1)
    prompt: str | None = Field(default=None, description="WAV file (mono PCM16, 8 or 16 kHz), relative to the dialplan")

    @model_validator(mode="before")
    @classmethod
    def _from_str(cls, v: Any) -> Any:
        return {"text": v} if isinstance(v, str) else v


def msg(text: str) -> Message:
    return Message(text=text)


class Messages(Strict):
    anything_else: Message = msg("Er der andet, jeg kan hjælpe med?")
    ask_again: Message = msg("Hvad kan jeg hjælpe dig med?")
    goodbye: Message = msg("Tak for opkaldet. Hav en god dag.")
    no_match: Message = msg("Det forstod jeg desværre ikke. Prøv at sige det med andre ord.")
    no_input: Message = msg("Jeg hørte ikke noget. Hvad kan jeg hjælpe dig med?")
    confirm: Message = msg("Vil du høre om {topic}? Sig ja eller nej. Tryk 1 for ja, 2 for nej.")
    confirm_no: Message = msg("Undskyld. Hvad kan jeg så hjælpe dig med?")
    no_answer: Message = msg("Det kan jeg desværre ikke svare på.")
    offer_human: Message = msg(
        "Skal jeg stille dig videre til en medarbejder? Sig ja eller nej. Tryk 1 for ja, 2 for nej."
    )
    transfer_failed: Message = msg(
        "Jeg kan desværre ikke stille dig videre lige nu. Borgerservice har åbent {hours}. "
        "Vil du ringes op af en medarbejder? Sig ja eller nej."
    )


REMOTE_ENGINES = {"wyoming": ("tcp://",), "openai": ("http://", "https://")}


class Breaker(Strict):
    failures: int = Field(default=1, ge=1, le=100, description="failed requests in a row that mark the server down")
    cooldown_s: float = Field(default=15.0, gt=0.0, le=3600.0, description="how long it stays down before a probe")


class RemoteEngine(Strict):
    """Where a remote engine lives and how long to wait for it (ignored by in-process engines)."""

    url: str | None = Field(default=None, description="wyoming: tcp://host:port; openai: http(s)://host:port/v1")
    timeout_s: float = Field(default=10.0, gt=0.0, le=120.0, description="one request, retries included")
    connect_timeout_s: float = Field(default=1.0, gt=0.0, le=30.0)
    pool_size: int = Field(default=8, ge=1, le=256, description="most open connections to the server")
    retries: int = Field(default=1, ge=0, le=5, description="extra tries after a connection failure")
    breaker: Breaker = Breaker()

    @model_validator(mode="after")
    def _url(self) -> RemoteEngine:
        engine = getattr(self, "engine", "")
        schemes = REMOTE_ENGINES.get(engine)
        if schemes is None:
            return self
        if not self.url:
            raise ValueError(f"engine {engine!r} needs 'url' ({schemes[0]}host:port…)")
        if not self.url.startswith(schemes):
            raise ValueError(f"engine {engine!r}: url {self.url!r} must start with {' or '.join(schemes)}")
        return self


class AsrEngine(RemoteEngine):
    engine: str = "whisper"
    model: str | None = Field(
        default=None,
        description="model folder under models/ (null: the embedded default); openai/wyoming: the server's model name",
    )
    api_key_env: str = Field(
        default="VOICEBOT_ASR_API_KEY", description="openai: the environment variable holding the API key"
    )


class TtsEngine(RemoteEngine):
    engine: str = "espeak"
    voice: str | None = "da"


class Engines(Strict):
    asr: AsrEngine = AsrEngine()
    tts: TtsEngine = TtsEngine()


class Thresholds(Strict):
    answer: float = Field(default=0.6, ge=0.0, le=1.0, description="minimum confidence to answer straight away")
    confirm: float | None = Field(default=0.35, ge=0.0, le=1.0, description="confirm band: confirm <= conf < answer")
    max_rejected_confirms: int = Field(
        default=2, ge=1, description="this many nej to confirms → transfer (low_confidence)"
    )

    @model_validator(mode="after")
    def _band(self) -> Thresholds:
        if self.confirm is not None and self.confirm >= self.answer:
            raise ValueError(f"confirm ({self.confirm}) must be below answer ({self.answer})")
        return self


class Reprompts(Strict):
    no_input_timeout_s: float = Field(default=6.0, gt=0.5, le=60.0)
    max_no_input: int = Field(default=2, ge=0, description="re-prompts on silence before on_no_input_limit")
    max_no_match: int = Field(default=2, ge=0, description="re-prompts on no match before transfer (no_match_limit)")
    on_no_input_limit: Literal["hangup", "transfer"] = "hangup"
    on_no_match_limit: Literal["hangup", "transfer"] = Field(
        default="transfer", description="a caller who spoke but was not understood reaches a human by default"
    )
    offer_human_after: int | None = Field(
        default=2, ge=1, description="after this many no-matches in a row the bot offers a person itself"
    )


class IntentRule(Strict):
    """What to do with one topic intent. Shorthand: answer | followup | transfer:<queue> | prompt:<file>."""

    action: Literal["answer", "followup", "transfer", "prompt"] = "answer"
    text: str | None = Field(
        default=None, description="answer text (overrides the knowledge base), or a prompt's transcript"
    )
    source: str | None = Field(default=None, description="where the answer's facts come from (URL)")
    label: str | None = Field(default=None, description="the topic's spoken name, used in the confirm question")
    queue: str | None = None
    prompt: str | None = None
    question: str | None = Field(default=None, description="followup: the question to ask")
    options: dict[str, str] = Field(default={}, description="followup: caller's word → answer text")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if not isinstance(v, str):
            return v
        kind, _, arg = v.partition(":")
        if kind == "transfer":
            return {"action": "transfer", "queue": arg or None}
        if kind == "prompt":
            return {"action": "prompt", "prompt": arg or None}
        return {"action": kind}

    @model_validator(mode="after")
    def _complete(self) -> IntentRule:
        need = {"transfer": ("queue",), "prompt": ("prompt",), "followup": ("question", "options")}
        for name in need.get(self.action, ()):
            if not getattr(self, name):
                raise ValueError(f"action {self.action!r} needs '{name}'")
        return self


class Transfer(Strict):
    message: Message = msg("Jeg stiller dig om til en medarbejder. Et øjeblik.")
    human_queue: str = Field(default="default", description="queue for 'medarbejder', DTMF 0 and the re-prompt limits")
    queues: dict[str, str] = {"default": "sip:agent@127.0.0.1:5070"}
    context: list[Literal[CONTEXT_FIELDS]] = ["kommune", "intents", "last_topic", "reason"]  # type: ignore[valid-type]

    @field_validator("queues")
    @classmethod
    def _uris(cls, v: dict[str, str]) -> dict[str, str]:
        for name, uri in v.items():
            if not uri.startswith(("sip:", "sips:", "tel:")):
                raise ValueError(f"queue {name!r}: {uri!r} is not a sip:, sips: or tel: URI")
        return v


def _closing_item(item: Any) -> Any:
    """ISO dates and ranges ("2026-12-28..2026-12-30") written as strings become ClosingDate."""
    if not isinstance(item, str) or not item[:1].isdigit():
        return item
    first, _, last = item.partition("..")
    try:
        return {
            "date": dt.date.fromisoformat(first.strip()),
            "to": dt.date.fromisoformat(last.strip()) if last else None,
        }
    except ValueError:
        raise ValueError(f"{item!r} is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)") from None


def _intervals(spec: Any) -> Any:
    if spec is None or spec is False or spec == "closed":
        return []
    items = [spec] if isinstance(spec, str) else spec
    if not isinstance(items, list):
        raise ValueError('expected "HH:MM-HH:MM", a list of those, or closed')
    for item in items:
        m = _INTERVAL.match(str(item).replace(" ", ""))
        if not m:
            raise ValueError(f'{item!r} is not an interval like "08:00-15:00" (or closed)')
        if (int(m[1]), int(m[2])) >= (int(m[3]), int(m[4])):
            raise ValueError(f"{item!r}: the interval ends before it starts")
    return [str(i).replace(" ", "") for i in items]


DayHours = Annotated[str | list[str] | bool | None, BeforeValidator(_intervals)]


def _e164(n: Any) -> Any:
    if not isinstance(n, str):
        raise ValueError(f"write the number in quotes with its + (YAML read {n!r} as a number), e.g. '+{n}'")
    if not _E164.match(n):
        raise ValueError(f"{n!r} is not an E.164 number, e.g. '+4587803333'")
    return n


class ClosingDate(Strict):
    date: dt.date
    to: dt.date | None = None
    name: str = "lukkedag"


class WhenClosed(Strict):
    action: Literal["message", "callback", "transfer"] = "message"
    message: Message = msg("Borgerservice har lukket nu. Vi har åbent {hours}.")
    queue: str | None = Field(default=None, description="after-hours queue, for action: transfer")
    greeting_note: Message | None = msg("Vi har lukket lige nu, men jeg kan måske hjælpe dig.")
    callback_question: Message = msg("Vil du ringes op, når vi åbner igen? Sig ja eller nej.")
    callback_confirmation: Message = msg("Tak. Vi ringer dig op, når vi har åbent igen.")

    @model_validator(mode="after")
    def _queue(self) -> WhenClosed:
        if self.action == "transfer" and not self.queue:
            raise ValueError("action 'transfer' needs 'queue' (the after-hours queue)")
        return self


class Hours(Strict):
    timezone: str = "Europe/Copenhagen"
    weekly: dict[Literal[WEEKDAYS], DayHours] = Field(  # type: ignore[valid-type]
        description='per weekday: "08:00-15:00", a list of such intervals, or closed'
    )
    public_holidays: bool = Field(default=True, description="closed on Danish public holidays (holidays package, DK)")
    closing_days: list[str | dt.date | ClosingDate] = Field(
        default=[], description="grundlovsdag, juleaften, nytaarsaftensdag, … or a date, or {date, to, name}"
    )
    when_closed: WhenClosed = WhenClosed()

    @field_validator("closing_days", mode="before")
    @classmethod
    def _dates(cls, v: Any) -> Any:
        return [_closing_item(i) for i in v] if isinstance(v, list) else v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    def intervals(self, weekday: int) -> list[tuple[int, int]]:
        """Open intervals of a weekday (0 = Monday) as (start, end) minutes after midnight."""
        spec = self.weekly.get(WEEKDAYS[weekday])
        out = []
        for item in spec if isinstance(spec, list) else []:
            m = _INTERVAL.match(item)
            assert m is not None  # checked by _intervals
            out.append((int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])))
        return out


def _keys_of(v: Any, allowed: str, say: str) -> Any:
    """A key map's keys as one-character strings from `allowed` (YAML may give 1 as an int)."""
    if isinstance(v, dict):
        v = {str(k): val for k, val in v.items()}
        for k in v:
            if k not in allowed or len(k) != 1:
                raise ValueError(f"key {k!r}: use one of {say} (0 always reaches a human)")
    return v


class DtmfMenu(Strict):
    prompt: Message = msg("Tryk 0 for at tale med en medarbejder.")
    announce: bool = Field(default=True, description="say the prompt right after the greeting")
    keys: dict[str, str] = Field(default={}, description="digit → intent | transfer:<queue> | repeat | human")

    @field_validator("keys", mode="before")
    @classmethod
    def _digits(cls, v: Any) -> Any:
        return _keys_of(v, "123456789*#", "1-9, * or #")


DEFAULT_FALLBACK_KEYS = {"1": "pas", "2": "koerekort", "3": "flytning"}


class FallbackMenu(Strict):
    """The topic menu the bot offers once when speech fails: after a no-match or a "nej" to a confirm.

    Speech still works during and after it; its keys stay live for the rest of the call."""

    enabled: bool = True
    keys: dict[str, str] = Field(
        default={},
        description="digit → topic intent; empty: the dtmf_menu's topic keys, else 1 pas, 2 kørekort, 3 flytning",
    )
    prompt: Message | None = Field(default=None, description="what the bot says; default: built from the keys")

    @field_validator("keys", mode="before")
    @classmethod
    def _digits(cls, v: Any) -> Any:
        return _keys_of(v, "123456789", "1-9")


class Survey(Strict):
    enabled: bool = False
    prompt: Message = msg(
        "Vil du bedømme samtalen? Tryk 3 hvis du er tilfreds, 2 hvis du er delvist tilfreds, og 1 hvis du er utilfreds."
    )
    thanks: Message = msg("Tak for din bedømmelse. Farvel.")
    timeout_s: float = Field(default=8.0, gt=0.5, le=60.0)


class Dialplan(Strict):
    schema_: Literal[1] = Field(default=1, alias="schema")
    name: str = Field(default="default", description="the file stem; set by the loader")
    kommune: str | None = None
    numbers: list[Annotated[str, BeforeValidator(_e164)]] = Field(
        default=[], description="called numbers served, E.164 in quotes: '+4587803333'"
    )
    language: Literal["da"] = "da"
    greeting: Message = msg("Goddag, du har ringet til kommunen. Hvad kan jeg hjælpe dig med?")
    recording_consent: Message | None = None
    retention_days: int | None = Field(
        default=None, ge=1, le=3650,
        description="delete calls, turns, recordings and done callbacks older than this many days; none = keep",
    )  # fmt: skip
    messages: Messages = Messages()
    engines: Engines = Engines()
    vocabulary: list[str] = Field(default=[], description="words to bias speech recognition towards")
    hours: Hours | None = Field(default=None, description="opening hours of the human queues; none = always open")
    intents: dict[str, IntentRule] = {}
    thresholds: Thresholds = Thresholds()
    reprompts: Reprompts = Reprompts()
    transfer: Transfer = Transfer()
    dtmf_menu: DtmfMenu | None = None
    fallback_menu: FallbackMenu = FallbackMenu()
    survey: Survey = Survey()
    max_call_s: float | None = Field(
        default=None, gt=10, le=14400, description="end a call this long with the goodbye message; none = no limit"
    )
    source: list[str] = Field(default=[], description="where the facts in this file come from")
    _path: Path | None = PrivateAttr(None)  # the file it was loaded from; set by the loader

    @property
    def path(self) -> Path | None:
        return self._path

    def with_path(self, path: Path) -> Dialplan:
        self._path = path
        return self

    @model_validator(mode="before")
    @classmethod
    def _legacy_answers(cls, v: Any) -> Any:
        if isinstance(v, dict) and "answers" in v:  # first-cut API: answers={intent: text}
            v = dict(v)
            rules = dict(v.get("intents") or {})
            for intent, text in (v.pop("answers") or {}).items():
                rules.setdefault(intent, {"action": "answer", "text": text})
            v["intents"] = rules
        return v

    @property
    def transfer_targets(self) -> dict[str, str]:
        return self.transfer.queues

    def rule(self, intent: str) -> IntentRule:
        return self.intents.get(intent) or IntentRule()

    def fallback_keys(self) -> dict[str, str]:
        """The fallback menu's digit → topic, in key order (empty when the menu is off)."""
        menu = self.fallback_menu
        if not menu.enabled:
            return {}
        if menu.keys:
            return dict(sorted(menu.keys.items()))
        own = {k: t for k, t in (self.dtmf_menu.keys.items() if self.dtmf_menu else ()) if k in "123456789"}
        topics = {k: t for k, t in own.items() if ":" not in t and t not in ("repeat", "human")}
        return dict(sorted((topics or DEFAULT_FALLBACK_KEYS).items()))


def load_dialplan(path: Path) -> Dialplan:
    """Load and fully check one dialplan file; `ConfigError` with `file:line:col: …` if invalid."""
    from voicebot.dialog.validate import load_dialplan as _load

    return _load(path)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a dialplan file, for operators' editors (yaml-language-server)."""
    schema = Dialplan.model_json_schema(by_alias=True)
    schema["title"] = "Voicebot dialplan (schema 1)"
    schema["properties"].pop("name", None)  # the name is the file stem
    schema["required"] = ["schema"]
    return schema
