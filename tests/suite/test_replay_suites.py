"""`voicebot replay SUITE_DIR` end to end: real models, the shipped suites, bad input, reports."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from voicebot.cli import main

CALLS = Path(__file__).resolve().parents[1] / "calls"
# Calls whose outcome does not hinge on what Whisper hears: keys, silence, the closed line.
NO_ASR = ["031-dtmf0-1", "032-dtmf0-2", "033-dtmf-menu", "034-noinput"]
# A representative spread of spoken calls: topics, a human, the closed line, barge-in.
SPOKEN = ["003-koerekort-1", "009-sundhedskort-1", "029-human-1", "036-closed-holiday", "039-bargein"]

pytestmark = pytest.mark.slow


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], dict]:
    code = main(["replay", *argv, "--no-progress"])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, lines, json.loads(lines[-1])


def test_shipped_dtmf_captures_all_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, lines, summary = _run(capsys, str(CALLS / "sipp_dtmf"), "--junit", str(tmp_path / "j.xml"))
    assert summary["calls"] == 12 and summary["passed"] == 12, lines
    assert code == 0
    assert ET.parse(tmp_path / "j.xml").getroot().get("tests") == "12"


def test_shipped_synthetic_subset(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    suite = tmp_path / "synthetic"
    suite.mkdir()
    (suite / "suite.yaml").write_text(
        (CALLS / "synthetic/suite.yaml")
        .read_text()
        .replace("../../../dialplans", str(CALLS.parent.parent / "dialplans"))
    )
    for name in NO_ASR + SPOKEN:
        for ext in (".wav", ".yaml"):
            shutil.copy(CALLS / "synthetic" / f"{name}{ext}", suite / f"{name}{ext}")
    html, js = tmp_path / "out/report.html", tmp_path / "out/report.json"
    code, lines, summary = _run(capsys, str(suite), "--jobs", "2", "--html", str(html), "--json", str(js))
    status = {line.split()[1]: line.split()[0] for line in lines[:-1]}
    assert sorted(status) == sorted(NO_ASR + SPOKEN)
    assert all(status[n] == "PASSED" for n in NO_ASR), lines
    assert summary["calls"] == 9 and summary["errors"] == 0
    assert summary["passed"] + summary["failed"] == 9 and code == (0 if summary["failed"] == 0 else 1)
    assert 0.0 <= summary["intent_accuracy"] <= 1.0 and summary["intents_expected"] == 5
    assert summary["response_gap_p50_ms"] is not None and summary["x_realtime"] > 1.0
    doc = json.loads(js.read_text())
    assert {c["name"] for c in doc["calls"]} == set(NO_ASR + SPOKEN)
    holiday = next(c for c in doc["calls"] if c["name"] == "036-closed-holiday")
    assert holiday["record"]["started_at"].startswith("2026-12-25")
    text = html.read_text()
    assert text.count("<audio") == 18 and (tmp_path / "out/report_files/034-noinput.bot.wav").exists()


def test_bad_input_is_reported_per_call_and_the_rest_still_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = CALLS / "synthetic" / "031-dtmf0-1"
    (tmp_path / "suite.yaml").write_text("dialplan: odder\ndialplans: " + str(CALLS.parent.parent / "dialplans") + "\n")
    shutil.copy(good.with_suffix(".wav"), tmp_path / "ok.wav")
    shutil.copy(good.with_suffix(".yaml"), tmp_path / "ok.yaml")
    shutil.copy(good.with_suffix(".wav"), tmp_path / "noexp.wav")
    shutil.copy(good.with_suffix(".wav"), tmp_path / "baddp.wav")
    (tmp_path / "baddp.yaml").write_text("dialplan: atlantis\nexpect: {outcome: contained}\n")
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage")
    (tmp_path / "corrupt.yaml").write_text("expect: {outcome: contained}\n")
    shutil.copy(CALLS / "sipp_dtmf/dtmf_2833_0.pcap", tmp_path / "truncated.pcap")
    (tmp_path / "truncated.pcap").write_bytes((tmp_path / "truncated.pcap").read_bytes()[:30])
    (tmp_path / "truncated.yaml").write_text("expect: {outcome: transferred}\n")
    xml = tmp_path / "j.xml"
    code, lines, summary = _run(capsys, str(tmp_path), "--junit", str(xml))
    assert code == 1
    assert (summary["calls"], summary["passed"], summary["errors"]) == (5, 1, 4)
    why = {line.split()[1]: line for line in lines[:-1]}
    assert why["ok"].startswith("PASSED")
    assert "missing expectation file noexp.yaml" in why["noexp"]
    assert "unknown dialplan 'atlantis'" in why["baddp"]
    assert "corrupt.wav" in why["corrupt"] and "truncated.pcap" in why["truncated"]
    errors = {c.get("name"): c.find("error") for c in ET.parse(xml).getroot().iter("testcase")}
    assert errors["ok"] is None and errors["baddp"] is not None


def test_single_wav_still_prints_a_call_record(capsys: pytest.CaptureFixture[str]) -> None:
    wav = CALLS / "synthetic" / "031-dtmf0-1.wav"
    assert main(["replay", str(wav), "--dialplan", "odder"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["dialplan"] == "odder" and record["turns"][0]["speaker"] == "bot"


def test_suite_flags_need_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(CALLS / "sipp_dtmf"), "--at", "2026-01-01T10:00:00+01:00"]) == 2
    assert "for a single WAV" in capsys.readouterr().err
