"""The expectation file of one recorded call, and the optional `suite.yaml` defaults.

    dialplan: odder                 # or number: "+4587803333"
    at: 2026-11-24T10:15:00+01:00   # wall-clock time the call is placed
    dtmf: [{at_s: 4.2, digit: "0"}]
    expect:
      intents: [pas]
      outcome: contained
      transfer_reason: caller_request
      max_response_gap_ms: 1500
      say_contains: ["pas"]

`suite.yaml` holds the same keys as defaults (its `expect` is merged key by key), plus
`dialplans:` (a dialplan folder, relative to the suite folder).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voicebot.errors import InputError

Outcome = Literal["contained", "transferred", "abandoned"]
DIGITS = set("0123456789*#ABCD")


class DtmfPress(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at_s: float = Field(ge=0)
    digit: str

    @field_validator("digit", mode="before")
    @classmethod
    def _digit(cls, v: Any) -> str:
        s = str(v).upper()
        if len(s) != 1 or s not in DIGITS:
            raise ValueError(f"{v!r} is not a DTMF digit (0-9, *, #, A-D)")
        return s


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    intents: list[str] | None = None  # exactly these, in order
    intents_any: list[str] | None = None  # each of these, anywhere
    topic: str | None = None  # what the caller wants: scored for intent accuracy, not a pass/fail condition
    outcome: Outcome | None = None
    transfer_reason: str | None = None
    max_response_gap_ms: float | None = Field(None, gt=0)
    say_contains: list[str] = []
    say_not_contains: list[str] = []
    record: dict[str, Any] = {}  # other call-record fields, e.g. {end_reason: no_input, rating: 3}


class CallSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = None
    dialplan: str | None = None
    number: str | None = None
    at: datetime | None = None
    dtmf: list[DtmfPress] = []
    lead_silence_s: float = Field(0.0, ge=0, le=60)  # caller silence before the recording starts
    expect: Expect

    @model_validator(mode="after")
    def _one_target(self) -> CallSpec:
        if self.dialplan and self.number:
            raise ValueError("give either dialplan or number, not both")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("at: give a time zone, e.g. 2026-11-24T10:15:00+01:00")
        return self


class SuiteDefaults(BaseModel):
    model_config = ConfigDict(extra="allow")
    dialplans: str | None = None


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path.name}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path.name}{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path.name}: expected a mapping of keys (dialplan, at, expect, ...)")
    return data


def merge(defaults: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in defaults.items() if k != "dialplans"}
    for key, value in case.items():
        if key == "expect" and isinstance(value, dict) and isinstance(out.get("expect"), dict):
            out["expect"] = {**out["expect"], **value}
        else:
            out[key] = value
    if "number" in case and "dialplan" not in case:
        out.pop("dialplan", None)
    if "dialplan" in case and "number" not in case:
        out.pop("number", None)
    return out


def parse_spec(path: Path, data: dict[str, Any]) -> CallSpec:
    try:
        return CallSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top)"
        msg = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            msg = "unknown key"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(f"{path.name}: {loc}: {msg}{more}") from exc


def load_defaults(suite_dir: Path) -> tuple[dict[str, Any], Path | None]:
    """`suite.yaml` as a dict of defaults, and its dialplan folder if it names one."""
    path = suite_dir / "suite.yaml"
    if not path.is_file():
        return {}, None
    data = read_yaml(path)
    try:
        SuiteDefaults.model_validate(data)
    except ValidationError as exc:  # pragma: no cover - extra=allow leaves little to reject
        raise InputError(f"suite.yaml: {exc.errors()[0]['msg']}") from exc
    folder = data.get("dialplans")
    return data, (suite_dir / folder).resolve() if folder else None
