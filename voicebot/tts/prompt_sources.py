"""Where the static texts come from: dialplans and the knowledge base.

A dialplan is read through its schema when it loads (every `Message` anywhere in it, with its
recorded `prompt:` file, every intent answer and follow-up, and the schema's defaults), else as
plain YAML (known prompt keys, and strings under `prompts:`/`answers:`). Texts with
`{placeholders}` are filled per call and cannot be pre-rendered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from voicebot.errors import ConfigError, VoicebotError

log = logging.getLogger(__name__)

STATIC_KEYS = ("greeting", "anything_else", "goodbye", "no_match", "no_input", "transfer_message")
NESTED_KEYS = ("prompts", "answers", "messages")
AUDIO_KEYS = ("wav", "file", "recording", "audio", "prompt")
NOT_SPOKEN = ("source_url", "url", "source", "sources", "as_of", "id", "intent", "target", "kommune", "queue")

TtsChoice = tuple[str, str | None]  # (engine, voice)


@dataclass(frozen=True)
class PromptSource:
    where: str  # "aarhus.yaml:greeting", for messages
    text: str | None = None
    recording: Path | None = None


def is_template(text: str) -> bool:
    return "{" in text and "}" in text


def _text(where: str, text: str | None) -> Iterator[PromptSource]:
    if text and text.strip() and not is_template(text):
        yield PromptSource(where, text=text.strip())


# ------------------------------------------------------------------ through the schema
def _walk_model(node: Any, where: str, base: Path) -> Iterator[PromptSource]:
    kind = type(node).__name__
    if kind == "Message":
        yield from _text(where, node.text)
        if node.prompt:
            yield PromptSource(f"{where}.prompt", recording=base / node.prompt)
    elif kind == "IntentRule":
        yield from _text(f"{where}.text", node.text)
        yield from _text(f"{where}.question", node.question)
        for word, answer in node.options.items():
            yield from _text(f"{where}.options.{word}", answer)
        if node.prompt:
            yield PromptSource(f"{where}.prompt", recording=base / node.prompt)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _walk_model(getattr(node, name), f"{where}.{name}" if where else name, base)
    elif isinstance(node, dict):
        for key, sub in node.items():
            yield from _walk_model(sub, f"{where}.{key}", base)
    elif isinstance(node, (list, tuple)):
        for i, sub in enumerate(node):
            yield from _walk_model(sub, f"{where}[{i}]", base)


def collect_dialplan(path: Path) -> tuple[TtsChoice | None, list[PromptSource]]:
    """Every spoken text of one dialplan and the TTS engine it asks for. `ConfigError` if invalid."""
    try:
        from voicebot.dialog.plan import load_dialplan
    except ImportError:  # pragma: no cover - the dialog package is part of the project
        return None, collect_from_yaml(path)
    plan = load_dialplan(path)
    try:
        from voicebot.dialog.text import static_messages  # the dialog package's own list

        found = [s for where, m in static_messages(plan) for s in _walk_model(m, where, path.parent)]
    except ImportError:
        found = list(_walk_model(plan, "", path.parent))
    sources = [PromptSource(f"{path.name}:{s.where}", s.text, s.recording) for s in found]
    tts = getattr(getattr(plan, "engines", None), "tts", None)
    return ((tts.engine, tts.voice) if tts is not None else None), sources


# ------------------------------------------------------------------ plain YAML
def _walk(value: Any, where: str, base: Path) -> Iterator[PromptSource]:
    if isinstance(value, str):
        text = value.strip()
        if text.lower().endswith(".wav") and " " not in text:
            yield PromptSource(where, recording=(base / text))
        elif not text.startswith(("http://", "https://", "sip:", "tel:")):
            yield from _text(where, text)
    elif isinstance(value, dict):
        for key, sub in value.items():
            if key in NOT_SPOKEN:
                continue
            if key in AUDIO_KEYS and isinstance(sub, str) and sub.lower().endswith(".wav"):
                yield PromptSource(f"{where}.{key}", recording=base / sub)
            else:
                yield from _walk(sub, f"{where}.{key}", base)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _walk(sub, f"{where}[{i}]", base)


def collect_from_yaml(path: Path) -> list[PromptSource]:
    """Static texts in one YAML file read as plain YAML: the known prompt keys at top level, and
    any string under a `prompts:`, `answers:` or `messages:` mapping at any depth."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read YAML: {exc}") from exc
    found: list[PromptSource] = []

    def visit(node: Any, where: str, top: bool) -> None:
        if isinstance(node, dict):
            for key, sub in node.items():
                here = f"{where}:{key}" if top else f"{where}.{key}"
                if (top and key in STATIC_KEYS) or key in NESTED_KEYS:
                    found.extend(_walk(sub, here, path.parent))
                else:
                    visit(sub, here, False)
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                visit(sub, f"{where}[{i}]", False)

    visit(data, path.name, True)
    return found


def yaml_files(folder: Path) -> list[Path]:
    return sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]) if folder.is_dir() else []


def collect(dirs: list[Path]) -> list[PromptSource]:
    """Plain-YAML texts of every YAML file under `dirs`."""
    return [s for d in dirs for path in yaml_files(d) for s in collect_from_yaml(path)]


def collect_defaults() -> list[PromptSource]:
    """The schema's default messages: what a call hears where a dialplan leaves them out."""
    try:
        from voicebot.dialog.plan import Dialplan

        defaults = Dialplan.model_validate({"schema": 1})
        try:
            from voicebot.dialog.text import static_messages

            found = [s for where, m in static_messages(defaults) for s in _walk_model(m, where, Path())]
        except ImportError:
            found = list(_walk_model(defaults, "", Path()))
    except Exception as exc:  # noqa: BLE001 - the schema is another package's; never let it stop a build
        log.warning("dialplan schema defaults unavailable: %s", exc)
        return []
    return [PromptSource(f"default:{s.where}", s.text, None) for s in found if s.text]


def collect_knowledge() -> list[PromptSource] | None:
    """Every answer the knowledge base can give, per kommune, as the engine composes it; None when
    the intent package offers no usable knowledge base (then its YAML is read instead)."""
    try:
        from voicebot.intent.base import ALL_INTENTS, SCOPE_INTENTS
        from voicebot.intent.knowledge import ASPECTS, POINTERS, KnowledgeBase

        kb = KnowledgeBase.load()
        sources: list[PromptSource] = []
        for kommune in [None, *sorted(kb.kommuner)]:
            where = kommune or "shared"
            for intent in (*ALL_INTENTS, *SCOPE_INTENTS):
                answer = kb.answer(intent, kommune)
                if answer is not None:
                    sources.extend(_text(f"knowledge:{where}:{intent}", answer.text))
                for aspect in ASPECTS:  # "hvad koster det?", "hvad skal jeg have med?", …
                    line = kb.aspect(intent, kommune, aspect)
                    if line is not None:
                        sources.extend(_text(f"knowledge:{where}:{intent}:{aspect}", line.text))
            for name in POINTERS:
                pointer = kb.pointer(name, kommune)
                if pointer is not None:
                    sources.extend(_text(f"knowledge:{where}:pointer:{name}", pointer.text))
        return sources
    except (ImportError, AttributeError, TypeError, KeyError, VoicebotError) as exc:
        log.warning("knowledge base not usable for prompts (%s); reading its YAML instead", exc)
        return None
