"""Checks a schema cannot express: unknown intents, queues, closing days and engines; prompt files.

Each check yields `(loc, message, at_key)`; `validate.locate` turns `loc` into a line and column.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from voicebot.dialog.hours import NAMED_DAYS, normalize_day_name
from voicebot.dialog.plan import Dialplan, IntentRule, Message
from voicebot.intent.base import CONVERSATION_INTENTS, TOPIC_INTENTS

Loc = tuple[Any, ...]
PROMPT_RATES = (8000, 16000)


def _known(names: Any) -> str:
    return ", ".join(sorted(names))


def semantic_issues(plan: Dialplan) -> Iterator[tuple[Loc, str, bool]]:
    queues = plan.transfer.queues

    def queue_ref(loc: Loc, name: str | None) -> Iterator[tuple[Loc, str, bool]]:
        if name is not None and name not in queues:
            yield loc, f"unknown queue {name!r}; known: {_known(queues)} (add it under transfer.queues)", False

    for intent, rule in plan.intents.items():
        if intent in CONVERSATION_INTENTS:
            yield ("intents", intent), f"intent {intent!r} is built in and cannot be configured", True
        elif intent not in TOPIC_INTENTS:
            yield ("intents", intent), f"unknown intent {intent!r}; known: {_known(TOPIC_INTENTS)}", True
        if rule.action == "transfer":
            yield from queue_ref(("intents", intent, "queue"), rule.queue)
    yield from queue_ref(("transfer", "human_queue"), plan.transfer.human_queue)
    if plan.hours is not None:
        yield from queue_ref(("hours", "when_closed", "queue"), plan.hours.when_closed.queue)
        for i, day in enumerate(plan.hours.closing_days):
            if isinstance(day, str) and normalize_day_name(day) not in NAMED_DAYS:
                yield ("hours", "closing_days", i), f"unknown closing day {day!r}; known: {_known(NAMED_DAYS)}", False
    if plan.dtmf_menu is not None:
        for key, target in plan.dtmf_menu.keys.items():
            loc = ("dtmf_menu", "keys", key)
            kind, _, arg = target.partition(":")
            if kind == "transfer":
                yield from queue_ref(loc, arg)
            elif target not in (*TOPIC_INTENTS, "repeat", "human"):
                yield (
                    loc,
                    f"unknown menu target {target!r}: use a topic intent, transfer:<queue>, repeat or human",
                    False,
                )
    menu_keys = plan.dtmf_menu.keys if plan.dtmf_menu is not None else {}
    for key, target in plan.fallback_menu.keys.items():
        loc = ("fallback_menu", "keys", key)
        if target not in TOPIC_INTENTS:
            yield loc, f"unknown topic {target!r} for the fallback menu; known: {_known(TOPIC_INTENTS)}", False
        elif key in menu_keys and menu_keys[key] != target:
            yield loc, f"key {key} is {menu_keys[key]!r} in dtmf_menu; one key must mean one thing", False
    from voicebot.asr.factory import ENGINES as ASR_ENGINES
    from voicebot.tts.factory import ENGINES as TTS_ENGINES

    if plan.engines.asr.engine not in ASR_ENGINES:
        yield (
            ("engines", "asr", "engine"),
            f"unknown ASR engine {plan.engines.asr.engine!r}; known: " + _known(ASR_ENGINES),
            False,
        )
    if plan.engines.tts.engine not in TTS_ENGINES:
        yield (
            ("engines", "tts", "engine"),
            f"unknown TTS engine {plan.engines.tts.engine!r}; known: " + _known(TTS_ENGINES),
            False,
        )


def walk(obj: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """Every nested value of a model with its location."""
    yield loc, obj
    if isinstance(obj, BaseModel):
        for name, field in type(obj).model_fields.items():
            yield from walk(getattr(obj, name), (*loc, field.alias or name))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, (*loc, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, (*loc, i))


def resolve_prompt(ref: str, base_dir: Path) -> Path | None:
    """Prompt files are relative to the dialplan's folder."""
    path = base_dir / ref
    return path if path.is_file() else None


def wav_problem(path: Path) -> str | None:
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
    except (wave.Error, EOFError, OSError) as exc:
        return f"not a PCM WAV file ({exc})"
    if channels != 1 or width != 2 or rate not in PROMPT_RATES:
        return f"WAV is {channels} ch, {8 * width}-bit, {rate} Hz; prompts must be mono 16-bit at 8000 or 16000 Hz"
    return None


def prompt_issues(plan: Dialplan, base_dir: Path) -> list[tuple[Loc, str, bool]]:
    out: list[tuple[Loc, str, bool]] = []
    for loc, value in walk(plan):
        if isinstance(value, Message | IntentRule) and value.prompt:
            path = resolve_prompt(value.prompt, base_dir)
            where = (*loc, "prompt")
            if path is None:
                out.append((where, f"prompt file {value.prompt!r} not found (relative to the dialplan)", False))
            elif problem := wav_problem(path):
                out.append((where, f"prompt file {value.prompt!r}: {problem}", False))
    return out
