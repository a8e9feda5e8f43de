"""`voicebot replay SUITE_DIR` end to end: real models, the shipped suites, bad input, reports."""

from __future__ import annotations

import asyncio
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from voicebot.cli import main
from voicebot.clock import ComputeTiming

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


# Cases of the shipped synthetic suite that cannot pass yet, each with its reason (strict: a case that
# starts passing fails here, so it gets promoted). Whisper base garbles these requests on 8 kHz espeak
# audio, and their topics are not in odder's fallback menu (1 kørekort, 2 flytning, 3 pas), so the
# caller ends with a person (transferred, no_match_limit) instead of an answer.
NOT_IN_MENU = "request garbled by the recogniser and topic not in the fallback menu: ends with a person"
XFAIL = {
    "015-tidsbestilling-1": NOT_IN_MENU, "017-aabningstider-1": NOT_IN_MENU, "018-aabningstider-2": NOT_IN_MENU,
    "019-kontakt_adresse-1": NOT_IN_MENU, "020-kontakt_adresse-2": NOT_IN_MENU, "021-rotter-1": NOT_IN_MENU,
    "022-rotter-2": NOT_IN_MENU, "016-tidsbestilling-2": NOT_IN_MENU,
    "011-mitid-1": "the request is garbled twice: the call ends at the offer of a person",
    "014-digital_post-2": "the request is garbled twice: the call ends at the offer of a person",
    "026-sagsstatus-2": "sagsstatus garbled: the caller reaches a person, but as no_match_limit, not intent_rule",
    "038-survey": "'Nej tak.' at 'Er der andet?' is garbled ('Thytak.'): no goodbye, so no survey",
    "040-two-topics": "the second request 'Hvornår har I åbent?' is heard as 'Månoha i owind.' twice",
    "041-goodbye": "'Nej, det var ikke noget. Tak, farvel.' is heard as 'Jeg vil ikke måtte løge, tak hammel.'",
}  # fmt: skip
SYNTHETIC = sorted(p.stem for p in (CALLS / "synthetic").glob("*.wav"))


@pytest.fixture(scope="module")
def whole_synthetic_suite() -> dict[str, Any]:
    """Every shipped synthetic call, replayed once with fixed timing (the suite default)."""
    from voicebot.gateway import build_services
    from voicebot.suite.cases import load_suite
    from voicebot.suite.offline import run_offline

    suite = load_suite(CALLS / "synthetic", None)
    services = build_services(dialplans_dir=suite.dialplans_dir)
    results = asyncio.run(run_offline(suite, services, jobs=2, progress=False, timing=ComputeTiming()))
    return {r.name: r for r in results}


def test_the_whole_synthetic_suite_is_replayed(whole_synthetic_suite: dict[str, Any]) -> None:
    assert sorted(whole_synthetic_suite) == SYNTHETIC and len(SYNTHETIC) == 41
    assert set(XFAIL) <= set(SYNTHETIC)
    assert len(XFAIL) <= 14  # the note in docs/suites.md counts them; keep it honest when this changes


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(reason=XFAIL[n], strict=True)) if n in XFAIL else n for n in SYNTHETIC],
)
def test_shipped_synthetic_case(whole_synthetic_suite: dict[str, Any], name: str) -> None:
    result = whole_synthetic_suite[name]
    assert result.error is None, result.error
    assert result.failures == [], result.failures


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
