"""Dialplan schema (first cut) and loader."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voicebot.errors import ConfigError


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: float = 0.6


class Reprompts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    no_input_timeout_s: float = 6.0
    max_no_input: int = 2
    max_no_match: int = 2


class Dialplan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_: int = Field(1, alias="schema")
    name: str = "default"
    kommune: str | None = None
    numbers: list[str] = []
    language: str = "da"
    greeting: str = "Goddag, du har ringet til kommunen. Hvad kan jeg hjælpe dig med?"
    anything_else: str = "Er der andet, jeg kan hjælpe med?"
    goodbye: str = "Tak for opkaldet. Hav en god dag."
    no_match: str = "Det forstod jeg desværre ikke. Prøv at sige det med andre ord."
    no_input: str = "Jeg hørte ikke noget. Hvad kan jeg hjælpe dig med?"
    transfer_message: str = "Jeg stiller dig om til en medarbejder."
    thresholds: Thresholds = Thresholds()
    reprompts: Reprompts = Reprompts()
    transfer_targets: dict[str, str] = {"default": "sip:agent@127.0.0.1:5070"}
    answers: dict[str, str] = {}


def load_dialplan(path: Path) -> Dialplan:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read dialplan: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    data.setdefault("name", path.stem)
    try:
        return Dialplan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {loc}: {first['msg']}") from exc
