"""`prompts build`: collect static texts, render them once, skip what is up to date, convert recordings."""

import wave
from pathlib import Path

import numpy as np
import pytest

from voicebot.config import Settings
from voicebot.tts.base import split_sentences
from voicebot.tts.cache import AudioLRU, PromptStore
from voicebot.tts.factory import create_synthesizer
from voicebot.tts.layers import CachingSynthesizer, NormalizingSynthesizer
from voicebot.tts.prompt_sources import collect, collect_defaults, collect_dialplan, collect_from_yaml
from voicebot.tts.prompts import build_prompts

DIALPLAN = """\
name: testby
kommune: Testby
greeting: "Goddag, du har ringet til Testby Kommune. Hvad kan jeg hjælpe med?"
goodbye: Tak for opkaldet.
no_input: Jeg hørte ikke noget.
transfer_targets: {default: "sip:agent@127.0.0.1"}
thresholds: {answer: 0.6}
answers:
  pas: Et pas koster 891 kr. Du bestiller tid på testby.dk.
  aabningstider:
    text: Vi har åbent mandag-fredag 10-15.
    source_url: https://testby.dk/aabent
prompts:
  velkommen: velkommen.wav
  personlig: "Hej {navn}, velkommen tilbage."
  menu:
    - Tast 1 for pas.
    - Tast 2 for kørekort.
"""


def write_plan(folder: Path, text: str = DIALPLAN) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "testby.yaml"
    path.write_text(text, encoding="utf-8")
    x = (0.4 * np.sin(np.arange(16000) * 2 * np.pi * 300 / 16000) * 32767).astype("<i2")
    with wave.open(str(folder / "velkommen.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(x.tobytes())
    return path


def test_collect_reads_prompt_keys_answers_and_recordings(tmp_path: Path) -> None:
    sources = collect_from_yaml(write_plan(tmp_path / "dp"))
    texts = {s.text for s in sources if s.text}
    assert "Goddag, du har ringet til Testby Kommune. Hvad kan jeg hjælpe med?" in texts
    assert "Et pas koster 891 kr. Du bestiller tid på testby.dk." in texts
    assert "Vi har åbent mandag-fredag 10-15." in texts
    assert {"Tast 1 for pas.", "Tast 2 for kørekort."} <= texts
    assert not any("{" in t or t.startswith("http") or t.startswith("sip:") for t in texts)
    recordings = [s.recording for s in sources if s.recording]
    assert recordings == [tmp_path / "dp" / "velkommen.wav"]
    assert next(s.where for s in sources if s.text == "Tak for opkaldet.") == "testby.yaml:goodbye"


@pytest.mark.slow
def test_build_renders_once_then_skips_and_calls_play_from_disk(tmp_path: Path) -> None:
    dp, out = tmp_path / "dp", tmp_path / "audio_prompts"
    write_plan(dp)
    settings = Settings(prompts_dir=out)
    synth = create_synthesizer(settings, "espeak", cache=AudioLRU(), use_prompts=False)
    store = PromptStore(out)
    seen: list[object] = []

    def progress(items):  # type: ignore[no-untyped-def]
        seen.extend(items)
        return seen

    first = build_prompts(synth, collect([dp]), store, progress=progress)
    assert first.errors == [] and first.rendered == len(seen) >= 9 and first.recorded == 2
    assert (out / "recorded" / "velkommen.8000.wav").is_file()
    manifest = store.read_manifest()
    spoken = {e["text"] for e in manifest.values() if "text" in e}
    assert {"Et pas koster", "otte hundrede og enoghalvfems kroner"} <= spoken  # as a call asks for them

    again = build_prompts(synth, collect([dp]), store)
    assert again.rendered == 0 and again.recorded == 0 and again.skipped == first.rendered + 2

    write_plan(dp, DIALPLAN.replace("Tak for opkaldet.", "Tak for dit opkald."))
    changed = build_prompts(synth, collect([dp]), store)
    assert changed.rendered == 1

    forced = build_prompts(synth, collect([dp]), store, force=True)
    assert forced.rendered == len(store.read_manifest()) - 2 - 1  # minus recordings and the stale text

    class Refuse:
        name, voice, native_rate = "espeak", "da", 22050

        def synthesize(self, text: str, rate: int) -> np.ndarray:
            raise AssertionError(f"not pre-rendered: {text!r}")

    runtime = NormalizingSynthesizer(CachingSynthesizer(Refuse(), AudioLRU(), store))
    for sentence in split_sentences("Goddag, du har ringet til Testby Kommune. Hvad kan jeg hjælpe med?"):
        assert len(runtime.synthesize(sentence, 8000)) > 4000


@pytest.mark.slow
def test_a_bad_recording_is_reported_not_fatal(tmp_path: Path) -> None:
    dp = tmp_path / "dp"
    write_plan(dp)
    (dp / "velkommen.wav").write_bytes(b"not audio")
    synth = create_synthesizer(Settings(), "espeak", cache=AudioLRU(), use_prompts=False)
    report = build_prompts(synth, collect([dp]), PromptStore(tmp_path / "out"))
    assert report.rendered > 0
    assert len(report.errors) == 1 and "velkommen.wav" in report.errors[0] and "not a WAV" in report.errors[0]


def test_schema_defaults_are_collected() -> None:
    from voicebot.dialog.plan import Dialplan

    sources = collect_defaults()
    texts = {s.text for s in sources}
    assert Dialplan.model_validate({"schema": 1}).greeting.text in texts
    assert all(s.where.startswith("default:") and s.recording is None for s in sources)
    assert not any("{" in t for t in texts if t)


def test_a_valid_dialplan_is_read_through_its_schema(tmp_path: Path) -> None:
    write_plan(tmp_path)  # for velkommen.wav
    plan = tmp_path / "skema.yaml"
    plan.write_text(
        "schema: 1\n"
        "greeting: {text: 'Goddag, du har ringet til Testby.', prompt: velkommen.wav}\n"
        "engines: {tts: {engine: espeak, voice: da}}\n"
        "intents:\n"
        "  pas: {text: 'Et pas koster 891 kr.', source: 'https://testby.dk/pas'}\n"
        "  rotter: transfer:teknik\n"
        "transfer: {queues: {default: 'sip:a@127.0.0.1', teknik: 'sip:t@127.0.0.1'}}\n",
        encoding="utf-8",
    )
    tts, sources = collect_dialplan(plan)
    assert tts == ("espeak", "da")
    texts = {s.text for s in sources if s.text}
    assert {"Goddag, du har ringet til Testby.", "Et pas koster 891 kr."} <= texts
    assert not any(t.startswith(("http", "sip:")) or "{" in t for t in texts)
    assert [s.recording for s in sources if s.recording] == [tmp_path / "velkommen.wav"]
    assert any(s.where == "skema.yaml:greeting" for s in sources)
