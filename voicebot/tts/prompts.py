"""`voicebot prompts build`: every static text in the dialplans (and knowledge-base answers)
rendered once into `audio_prompts/`, so a call plays them from disk instead of waiting for TTS.

Texts are rendered the way a call asks for them: split into sentences, each normalised, so
the runtime cache finds exactly these files. Recorded WAVs named in a dialplan are validated
and converted to the call rates. A manifest keyed by text hash lets a rebuild skip what is
already up to date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from voicebot.errors import ConfigError, VoicebotError
from voicebot.transports.wav import write_wav
from voicebot.tts.base import split_sentences
from voicebot.tts.cache import PromptStore, text_hash
from voicebot.tts.layers import CachingSynthesizer, NormalizingSynthesizer
from voicebot.tts.prompt_sources import PromptSource
from voicebot.tts.recorded import load_recorded_prompt

CALL_RATES = (8000, 16000)


@dataclass
class BuildReport:
    rendered: int = 0
    skipped: int = 0
    recorded: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
