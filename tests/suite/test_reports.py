"""Expectation checks, the summary, JUnit/HTML reports and record-mode cases (pure, no models)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from voicebot.suite.cases import load_suite
from voicebot.suite.charts import confusion_matrix
from voicebot.suite.check import check, intent_pairs
from voicebot.suite.html_report import write_html
from voicebot.suite.junit import junit_xml
from voicebot.suite.record import save_case
from voicebot.suite.results import CallResult, summarize
from voicebot.suite.schema import Expect


def record(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "call_id": "abc123",
        "dialplan": "odder",
        "kommune": "Odder",
        "started_at": "2026-11-24T10:15:00+01:00",
        "turns": [
            {"speaker": "bot", "text": "Goddag, hvad kan jeg hjælpe med?", "start_s": 0.0, "end_s": 2.0},
            {"speaker": "caller", "text": "mit pas", "start_s": 2.5, "end_s": 3.5, "intent": "pas", "confidence": 0.9},
            {"speaker": "bot", "text": "Pas bestilles på borgerservice.", "start_s": 4.2, "end_s": 6.0},
        ],
        "intents": ["pas"],
        "outcome": "contained",
        "transfer": None,
        "response_gaps_ms": [700.0],
        "end_reason": "completed",
    }
    base.update(kw)
    return base


def test_check_passes_and_names_each_unmet_expectation() -> None:
    ok = Expect(intents=["pas"], outcome="contained", max_response_gap_ms=1500, say_contains=["borgerservice"])
    assert check(ok, record()) == []
    bad = Expect(
        intents=["koerekort"],
        intents_any=["flytning"],
        outcome="transferred",
        transfer_reason="caller_request",
        max_response_gap_ms=500,
        say_contains=["kørekort"],
        say_not_contains=["pas"],
        record={"end_reason": "no_input"},
    )
    fails = check(bad, record())
    assert [f.split(":")[0] for f in fails] == [
        "intents", "intents_any", "outcome", "transfer_reason", "response gap",
        "say_contains", "say_not_contains", "record.end_reason",
    ]  # fmt: skip
    assert "expected ['koerekort'], got ['pas']" in fails[0]
    moved = record(outcome="transferred", transfer={"target": "sip:a@b", "reason": "caller_request"})
    assert check(Expect(outcome="transferred", transfer_reason="caller_request"), moved) == []


def test_intent_pairs_and_confusion() -> None:
    rec = record(intents=["koerekort", "pas"])
    assert intent_pairs(Expect(intents=["pas"]), rec) == [("pas", "koerekort"), ("(none)", "pas")]
    assert intent_pairs(Expect(intents_any=["pas"]), rec) == [("pas", "pas")]
    assert intent_pairs(Expect(intents_any=["flytning"]), rec) == [("flytning", "koerekort")]
    assert intent_pairs(Expect(intents=["pas", "rotter"]), record()) == [("pas", "pas"), ("rotter", "(none)")]
    rows, cols, grid = confusion_matrix([("pas", "pas"), ("pas", "koerekort"), ("rotter", "(none)")])
    assert rows == ["pas", "rotter"] and cols == ["koerekort", "pas", "rotter", "(none)"]
    assert grid == [[1, 1, 0, 0], [0, 0, 0, 1]]


def _results() -> list[CallResult]:
    good = CallResult("001-pas", record=record(), expect={"intents": ["pas"]}, audio_s=10, wall_s=1.0)
    good.pairs = [("pas", "pas")]
    good.caller_audio = np.zeros(800, np.int16)
    good.bot_audio = (np.ones(800) * 100).astype(np.int16)
    bad = CallResult("002-rotter", record=record(response_gaps_ms=[1500.0, 2500.0]), audio_s=10, wall_s=1.0)
    bad.failures = ["intents: expected ['rotter'], got ['pas']"]
    bad.pairs = [("rotter", "pas")]
    broken = CallResult("003-corrupt", error="003-corrupt.wav: not a PCM WAV file")
    return [good, bad, broken]


def test_summary_figures() -> None:
    s = summarize(_results(), wall_s=2.0, mode="offline")
    assert (s["calls"], s["passed"], s["failed"], s["errors"]) == (3, 1, 2, 1)
    assert s["intent_accuracy"] == 0.5
    assert s["response_gap_p50_ms"] == 1500.0 and s["response_gap_p95_ms"] == 2400.0
    assert s["x_realtime"] == 10.0 and s["calls_per_min"] == 90.0
    json.dumps(s)


def test_junit_has_one_testcase_per_call_with_failure_and_error() -> None:
    res = _results()
    root = ET.fromstring(junit_xml(res, suite_name="demo", summary=summarize(res, wall_s=2.0, mode="offline")))
    assert root.tag == "testsuite" and root.get("tests") == "3"
    assert (root.get("failures"), root.get("errors")) == ("1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert list(cases) == ["001-pas", "002-rotter", "003-corrupt"]
    assert cases["001-pas"].find("failure") is None and "mit pas [pas 0.90]" in cases["001-pas"].findtext("system-out")
    assert cases["002-rotter"].find("failure").get("message").startswith("intents:")
    assert "not a PCM WAV" in cases["003-corrupt"].find("error").get("message")


def test_html_report_has_charts_players_and_reasons(tmp_path: Path) -> None:
    res = _results()
    out = tmp_path / "report" / "r.html"
    write_html(out, res, suite_name="demo", summary=summarize(res, wall_s=2.0, mode="offline"))
    html = out.read_text()
    assert html.count("data:image/png;base64,") == 2
    assert 'src="r_files/001-pas.caller.wav"' in html and 'src="r_files/001-pas.bot.wav"' in html
    assert (tmp_path / "report/r_files/001-pas.bot.wav").stat().st_size > 1000
    assert "not a PCM WAV file" in html and "expected ['rotter'], got ['pas']" in unescape(html)
    assert "Pas bestilles på borgerservice." in html


def test_record_mode_writes_a_case_that_passes_as_recorded(tmp_path: Path) -> None:
    rec = record(
        outcome="transferred", transfer={"target": "sip:x@y", "reason": "caller_request"}, response_gaps_ms=[840.0]
    )
    wav, spec = save_case(tmp_path, np.zeros(16000, np.int16), 8000, rec, dtmf=[(3.0, "0")])
    assert wav.name == "20261124T101500-abc123.wav" and spec.with_suffix(".record.json").exists()
    assert spec.read_text().startswith("# Pre-filled")
    data = yaml.safe_load(spec.read_text())
    assert data["expect"] == {
        "intents": ["pas"], "outcome": "transferred", "transfer_reason": "caller_request", "max_response_gap_ms": 1300,
    }  # fmt: skip
    case = load_suite(tmp_path).cases[0]
    assert case.error is None and case.spec is not None
    assert case.spec.dialplan == "odder" and [(d.at_s, d.digit) for d in case.spec.dtmf] == [(3.0, "0")]
    assert check(case.spec.expect, rec) == []
