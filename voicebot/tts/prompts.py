"""`voicebot prompts build`: every static text in the dialplans (and knowledge-base answers)
rendered once into `audio_prompts/`, so a call plays them from disk instead of waiting for TTS.

Texts are rendered the way a call asks for them: split into sentences, each normalised, so
the runtime cache finds exactly these files. Recorded WAVs named in a dialplan are validated
and converted to the call rates. A manifest keyed by text hash lets a rebuild skip what is
already up to date.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voicebot.errors import ConfigError, VoicebotError
from voicebot.transports.wav import write_wav
from voicebot.tts.base import split_sentences
from voicebot.tts.cache import PromptStore, text_hash
from voicebot.tts.layers import CachingSynthesizer, NormalizingSynthesizer
from voicebot.tts.recorded import load_recorded_prompt

log = logging.getLogger(__name__)

STATIC_KEYS = ("greeting", "anything_else", "goodbye", "no_match", "no_input", "transfer_message")
NESTED_KEYS = ("prompts", "answers")
AUDIO_KEYS = ("wav", "file", "recording", "audio", "prompt")
NOT_SPOKEN = ("source_url", "url", "source", "sources", "as_of", "id", "intent", "target", "kommune")
CALL_RATES = (8000, 16000)


@dataclass(frozen=True)
class PromptSource:
    where: str  # "dialplans/aarhus.yaml:greeting", for messages
    text: str | None = None
    recording: Path | None = None


@dataclass
class BuildReport:
    rendered: int = 0
    skipped: int = 0
    recorded: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _is_template(text: str) -> bool:
    return "{" in text and "}" in text  # filled in per call: cannot be pre-rendered


def _walk(value: Any, where: str, base: Path) -> Iterator[PromptSource]:
    if isinstance(value, str):
        text = value.strip()
        if text.lower().endswith(".wav") and " " not in text:
            yield PromptSource(where, recording=(base / text))
        elif text and not _is_template(text) and not text.startswith(("http://", "https://")):
            yield PromptSource(where, text=text)
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


def collect_from_yaml(path: Path, *, top_keys: Iterable[str] = STATIC_KEYS) -> list[PromptSource]:
    """Static texts in one YAML file, read as plain YAML: the known prompt keys at top level,
    and any string under a `prompts:` or `answers:` mapping at any depth."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read YAML: {exc}") from exc
    found: list[PromptSource] = []

    def visit(node: Any, where: str, top: bool) -> None:
        if isinstance(node, dict):
            for key, sub in node.items():
                if top and key in top_keys or key in NESTED_KEYS:
                    found.extend(_walk(sub, f"{where}:{key}" if top else f"{where}.{key}", path.parent))
                else:
                    visit(sub, f"{where}:{key}" if top else f"{where}.{key}", False)
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                visit(sub, f"{where}[{i}]", False)

    visit(data, path.name, True)
    return found


def collect(dirs: Iterable[Path]) -> list[PromptSource]:
    sources: list[PromptSource] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for path in sorted([*d.rglob("*.yaml"), *d.rglob("*.yml")]):
            sources.extend(collect_from_yaml(path))
    return sources


def collect_knowledge() -> list[PromptSource] | None:
    """Every answer the knowledge base can give, per kommune, exactly as the engine composes it;
    None when the intent package offers no knowledge base (then read its YAML instead)."""
    try:
        from voicebot.intent.base import ALL_INTENTS
        from voicebot.intent.knowledge import KnowledgeBase

        kb = KnowledgeBase.load()
        sources: list[PromptSource] = []
        for kommune in [None, *sorted(kb.kommuner)]:
            for intent in ALL_INTENTS:
                answer = kb.answer(intent, kommune)
                if answer is not None and answer.text and not _is_template(answer.text):
                    sources.append(PromptSource(f"knowledge:{kommune or 'shared'}:{intent}", text=answer.text))
        return sources
    except (ImportError, AttributeError, TypeError, KeyError, VoicebotError) as exc:
        log.warning("knowledge base not usable for prompts (%s); reading its YAML instead", exc)
        return None


def _units(synth: NormalizingSynthesizer, sources: list[PromptSource]) -> list[tuple[str, str]]:
    """(where, spoken sentence), one per sentence, deduplicated, in the order found."""
    seen: set[str] = set()
    units: list[tuple[str, str]] = []
    for src in sources:
        for sentence in split_sentences(src.text or ""):
            spoken = synth.spoken(sentence)
            if spoken and any(ch.isalnum() for ch in spoken) and spoken not in seen:
                seen.add(spoken)
                units.append((src.where, spoken))
    return units


def build_prompts(
    synth: NormalizingSynthesizer,
    sources: list[PromptSource],
    store: PromptStore,
    *,
    force: bool = False,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda it: it,
) -> BuildReport:
    """Render what is missing or stale; the manifest records what each file holds."""
    engine = synth.inner if isinstance(synth.inner, CachingSynthesizer) else None
    if engine is None:
        raise ConfigError("prompts build needs a synthesiser made by create_synthesizer (with its cache layer)")
    report = BuildReport()
    manifest = store.read_manifest()
    recordings = [s for s in sources if s.recording is not None]
    for where, spoken in progress(_units(synth, sources)):
        key = text_hash(engine.name, engine.voice, spoken)
        path = store.path_for(engine.name, engine.voice, spoken)
        entry = manifest.get(key)
        if not force and entry and entry.get("text") == spoken and path.is_file():
            report.skipped += 1
            continue
        try:
            pcm = engine.render_native(spoken)
        except VoicebotError as exc:
            report.errors.append(f"{where}: {exc}")
            continue
        store.save(engine.name, engine.voice, spoken, pcm, engine.native_rate, copies_at=CALL_RATES)
        manifest[key] = {
            "engine": engine.name,
            "voice": engine.voice,
            "text": spoken,
            "source": where,
            "rate": engine.native_rate,
            "file": str(path.relative_to(store.root)),
        }
        report.rendered += 1
    for src in recordings:
        assert src.recording is not None
        _convert_recording(src, store, manifest, report, force)
    store.write_manifest(manifest)
    return report


def _convert_recording(
    src: PromptSource, store: PromptStore, manifest: dict[str, dict[str, Any]], report: BuildReport, force: bool
) -> None:
    path = src.recording
    assert path is not None
    try:
        stat = path.stat()
    except OSError:
        report.errors.append(f"{src.where}: recorded prompt {path.name} not found")
        return
    stamp = f"{stat.st_size}:{int(stat.st_mtime)}"
    for rate in CALL_RATES:
        key = f"recorded:{path.name}:{rate}"
        out = store.root / "recorded" / f"{path.stem}.{rate}.wav"
        if not force and manifest.get(key, {}).get("stamp") == stamp and out.is_file():
            report.skipped += 1
            continue
        try:
            prompt = load_recorded_prompt(path, rate)
        except VoicebotError as exc:
            report.errors.append(f"{src.where}: {exc}")
            return
        report.warnings.extend(f"{src.where}: {path.name}: {w}" for w in prompt.warnings if rate == CALL_RATES[-1])
        write_wav(out, prompt.pcm, rate)
        manifest[key] = {"source": src.where, "stamp": stamp, "rate": rate, "file": str(out.relative_to(store.root))}
        report.recorded += 1
