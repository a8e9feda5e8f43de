"""`voicebot dialplan validate|hours|schema` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicebot.cli import main

REPO = Path(__file__).resolve().parents[2]
INVALID = Path(__file__).parent / "invalid"


def test_validate_the_shipped_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialplan", "validate", str(REPO / "dialplans")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "4 of 4 dialplans valid" in err


def test_validate_prints_file_line_col_and_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = REPO / "dialplans" / "odder.yaml", INVALID / "unknown_queue.yaml"
    assert main(["dialplan", "validate", str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    known = "known: borgerservice, sagsbehandling (add it under transfer.queues)"
    assert out.splitlines() == [
        f"{bad}:6:12: unknown queue 'sagsbehandlng'; {known}",
        f"{bad}:9:16: unknown queue 'borgerservic'; {known}",
    ]
    assert "1 of 2 dialplans valid" in err


def test_validate_a_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialplan", "validate", "nope.yaml"]) == 2
    assert capsys.readouterr().err.strip() == "voicebot: error: nope.yaml: no such file or folder"


@pytest.mark.parametrize(
    ("plan", "at", "expected"),
    [
        ("odder", "2026-05-14T10:00", "closed: Kristi himmelfartsdag"),
        ("odder", "2026-05-15T10:00+02:00", "closed: Fredag efter Kristi himmelfartsdag"),
        ("odder", "2026-05-13T10:00", "closed: lukket om onsdagen"),
        ("odder", "2026-05-12T10:00", "open"),
        ("odder", "2026-05-12T08:30:00Z", "open"),  # 10:30 in Copenhagen
        ("aarhus", "2026-04-03T10:00", "closed: Langfredag"),
        ("aarhus", "2026-12-24T10:00", "closed: Juleaften"),
        ("odense", "2025-12-29T10:00", "closed: lukket i julen"),
        ("odense", "2026-05-25T10:00", "closed: Anden pinsedag"),
        ("default", "2026-12-24T23:00", "open"),
    ],
)
def test_hours(plan: str, at: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialplan", "hours", str(REPO / "dialplans" / f"{plan}.yaml"), "--at", at]) == 0
    assert capsys.readouterr().out == expected + "\n"


def test_hours_with_a_bad_time_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialplan", "hours", str(REPO / "dialplans" / "odder.yaml"), "--at", "i morgen"]) == 2
    assert "is not an ISO 8601 date-time" in capsys.readouterr().err


def test_hours_of_an_invalid_plan_names_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialplan", "hours", str(INVALID / "bad_hours.yaml"), "--at", "2026-05-12T10:00"]) == 2
    assert f"{INVALID / 'bad_hours.yaml'}:8:10:" in capsys.readouterr().err


def test_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialplan", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["required"] == ["schema"]
    assert {"greeting", "hours", "intents", "thresholds", "reprompts", "transfer", "engines", "survey"} <= set(
        schema["properties"]
    )
    assert main(["dialplan", "schema", "--out", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == schema
