"""`voicebot say` and `voicebot prompts build` from the command line."""

import io
import wave
from pathlib import Path

import pytest

from voicebot.cli import main

pytestmark = pytest.mark.slow


def test_say_print_normalized(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["say", "Ring 70 20 12 12 kl. 9.30, det koster 891 kr.", "--print-normalized"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == "Ring halvfjerds tyve tolv tolv klokken halv ti, det koster otte hundrede og enoghalvfems kroner"


def test_say_writes_a_wav_at_the_rate_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hej.wav"
    assert main(["say", "Goddag. Et pas koster 891 kr.", "--out", str(out), "--rate", "8000"]) == 0
    with wave.open(str(out)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() > 8000 * 2
    assert "first audio" in capsys.readouterr().err


def test_say_reads_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Hej med dig.\n" * 50))
    out = tmp_path / "lang.wav"
    assert main(["say", "-", "--out", str(out)]) == 0
    with wave.open(str(out)) as w:
        assert w.getnframes() > 16000 * 20


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂"])
def test_say_nothing_speakable_is_a_one_line_error(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["say", text, "--out", "/nonexistent/x.wav"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("voicebot: error: nothing to say") and "\n" not in err


def test_say_missing_piper_voice_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOICEBOT_MODELS", str(tmp_path))
    assert main(["say", "Hej", "--engine", "piper", "--out", str(tmp_path / "x.wav")]) == 2
    assert "da_DK-talesyntese-medium" in capsys.readouterr().err


def test_say_with_piper_voice_from_models(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEBOT_MODELS", str(models_dir))
    out = tmp_path / "joe.wav"
    assert main(["say", "Hello there.", "--engine", "piper", "--voice", "en_US-joe-medium", "--out", str(out)]) == 0
    with wave.open(str(out)) as w:
        assert w.getnframes() > 16000 // 2


def test_prompts_build_from_a_dialplan_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dp, kb, out = tmp_path / "dp", tmp_path / "kb", tmp_path / "prompts"
    dp.mkdir()
    kb.mkdir()
    (dp / "a.yaml").write_text(
        "schema: 1\ngreeting: Goddag.\nmessages: {goodbye: Farvel. Hav en god dag.}\n", encoding="utf-8"
    )
    (kb / "k.yaml").write_text("answers:\n  pas:\n    text: Et pas koster 891 kr.\n", encoding="utf-8")
    args = ["prompts", "build", "--dialplans", str(dp), "--knowledge", str(kb), "--out", str(out)]
    assert main(args) == 0
    first = capsys.readouterr().err
    rendered = int(first.split(" rendered")[0].split()[-1])
    assert rendered >= 5  # Et pas koster | 891 kr. | Goddag. | Farvel. | Hav en god dag. + schema defaults
    assert main(args) == 0
    assert f"0 rendered, {rendered} up to date" in capsys.readouterr().err
    files = sorted(p.name for p in (out / "espeak-da").glob("*.wav"))
    masters = [f for f in files if f.count(".") == 1]
    assert len(masters) == rendered
    assert {f"{m[:-4]}.8000.wav" for m in masters} <= set(files)


def test_prompts_build_missing_folder_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prompts", "build", "--dialplans", str(tmp_path / "nope")]) == 2
    assert "no such dialplan folder" in capsys.readouterr().err


def test_prompts_build_reports_an_invalid_dialplan_and_still_renders_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dp, kb, out = tmp_path / "dp", tmp_path / "kb", tmp_path / "prompts"
    dp.mkdir()
    kb.mkdir()
    (dp / "gammel.yaml").write_text("greeting: Velkommen til Gammelby.\nbogus_key: 1\n", encoding="utf-8")
    assert main(["prompts", "build", "--dialplans", str(dp), "--knowledge", str(kb), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "gammel.yaml" in err and "plain YAML" in err
    spoken = (out / "manifest.json").read_text(encoding="utf-8")
    assert "Velkommen til Gammelby." in spoken
