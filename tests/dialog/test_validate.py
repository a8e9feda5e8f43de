"""Invalid dialplans: each fixture names the exact `line:col: message` it must produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.dialog.plan import Dialplan, load_dialplan
from voicebot.dialog.validate import check_file, check_text
from voicebot.errors import ConfigError

INVALID = Path(__file__).parent / "invalid"
FIXTURES = sorted(INVALID.glob("*.yaml"))


def expectations(path: Path) -> list[tuple[int, int, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect: "):
            pos_line, pos_col, message = line.removeprefix("# expect: ").split(":", 2)
            out.append((int(pos_line), int(pos_col), message.strip()))
    return out


def test_there_are_fixtures_and_each_expects_something() -> None:
    assert len(FIXTURES) >= 20
    assert all(expectations(f) for f in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_invalid_fixture_reports_the_exact_position(path: Path) -> None:
    plan, issues = check_file(path)
    assert plan is None
    got = [(i.line, i.col, i.message) for i in issues]
    want = expectations(path)
    assert [(line, col) for line, col, _ in got] == [(line, col) for line, col, _ in want], got
    for (_, _, message), (_, _, expected) in zip(got, want, strict=True):
        assert message.startswith(expected), (message, expected)
    assert all(str(i).startswith(f"{path}:{i.line}:{i.col}: ") for i in issues)


def test_load_dialplan_raises_one_line_with_the_first_position() -> None:
    with pytest.raises(ConfigError) as err:
        load_dialplan(INVALID / "unknown_queue.yaml")
    text = str(err.value)
    assert text.startswith(f"{INVALID / 'unknown_queue.yaml'}:6:12: unknown queue 'sagsbehandlng'")
    assert "(and 1 more" in text and "\n" not in text


def test_a_valid_plan_loads_with_its_file_stem_as_name(tmp_path: Path) -> None:
    path = tmp_path / "vejle.yaml"
    path.write_text("schema: 1\nkommune: Vejle\nnumbers: ['+4576815000']\n", encoding="utf-8")
    plan = load_dialplan(path)
    assert plan.name == "vejle" and plan.kommune == "Vejle" and plan.path == path


def test_a_name_other_than_the_stem_is_refused() -> None:
    plan, issues = check_text("schema: 1\nname: odense\n", "odder.yaml", name="odder")
    assert plan is None and [(i.line, i.col) for i in issues] == [(2, 7)]


def test_shorthands_expand() -> None:
    plan = Dialplan.model_validate(
        {"schema": 1, "greeting": "Hej.", "intents": {"pas": "transfer:default", "mitid": "prompt:m.wav"}}
    )
    assert plan.greeting.text == "Hej." and plan.greeting.prompt is None
    assert (plan.intents["pas"].action, plan.intents["pas"].queue) == ("transfer", "default")
    assert (plan.intents["mitid"].action, plan.intents["mitid"].prompt) == ("prompt", "m.wav")


def test_a_valid_wav_prompt_passes(tmp_path: Path) -> None:
    import wave

    with wave.open(str(tmp_path / "goddag.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    path = tmp_path / "p.yaml"
    path.write_text("schema: 1\ngreeting: {text: Goddag., prompt: goddag.wav}\n", encoding="utf-8")
    plan, issues = check_file(path)
    assert issues == [] and plan is not None and plan.greeting.prompt == "goddag.wav"
