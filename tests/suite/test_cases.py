"""Suite folders: pairing by stem, suite.yaml defaults, and clear per-call errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from voicebot.errors import InputError
from voicebot.suite.cases import load_recording, load_suite
from voicebot.transports.wav import write_wav


def _wav(path: Path, rate: int = 8000, seconds: float = 0.5) -> Path:
    write_wav(path, (np.sin(np.arange(int(rate * seconds)) / 5) * 3000).astype(np.int16), rate)
    return path


def test_pairs_recordings_and_expectations_and_reports_each_problem(tmp_path: Path) -> None:
    (tmp_path / "suite.yaml").write_text("dialplan: odder\nexpect: {max_response_gap_ms: 2000}\ndialplans: plans\n")
    _wav(tmp_path / "001-ok.wav")
    (tmp_path / "001-ok.yaml").write_text("at: 2026-11-24T10:15:00+01:00\nexpect: {intents: [pas]}\n")
    _wav(tmp_path / "002-noexp.wav")
    (tmp_path / "003-orphan.yaml").write_text("expect: {outcome: contained}\n")
    _wav(tmp_path / "004-badkey.wav")
    (tmp_path / "004-badkey.yaml").write_text("expect:\n  outcome: contained\n  intnts: [pas]\n")
    _wav(tmp_path / "005-badyaml.wav")
    (tmp_path / "005-badyaml.yaml").write_text("expect:\n  outcome: [contained\n")
    _wav(tmp_path / "006-outcome.wav")
    (tmp_path / "006-outcome.yaml").write_text("number: '+4587803333'\nexpect: {outcome: happy}\n")
    _wav(tmp_path / "007-noexpect.wav")
    (tmp_path / "007-noexpect.yaml").write_text("dialplan: odder\n")

    suite = load_suite(tmp_path)
    by = {c.name: c for c in suite.cases}
    assert list(by) == ["001-ok", "002-noexp", "003-orphan", "004-badkey", "005-badyaml", "006-outcome", "007-noexpect"]
    assert suite.dialplans_dir == (tmp_path / "plans").resolve()
    ok = by["001-ok"].spec
    assert by["001-ok"].error is None and ok is not None
    assert ok.dialplan == "odder" and ok.expect.intents == ["pas"] and ok.expect.max_response_gap_ms == 2000
    assert ok.at is not None and ok.at.utcoffset() is not None
    assert by["002-noexp"].error == "002-noexp.wav: missing expectation file 002-noexp.yaml"
    assert "no recording" in (by["003-orphan"].error or "")
    assert by["004-badkey"].error == "004-badkey.yaml: expect.intnts: unknown key"
    assert (by["005-badyaml"].error or "").startswith("005-badyaml.yaml:")
    assert "invalid YAML" in (by["005-badyaml"].error or "")
    assert "expect.outcome" in (by["006-outcome"].error or "")
    assert "missing `expect:`" in (by["007-noexpect"].error or "")


def test_number_in_a_case_overrides_the_default_dialplan(tmp_path: Path) -> None:
    (tmp_path / "suite.yaml").write_text("dialplan: odder\n")
    _wav(tmp_path / "a.wav")
    (tmp_path / "a.yaml").write_text("number: '+4587803333'\nexpect: {}\n")
    spec = load_suite(tmp_path).cases[0].spec
    assert spec is not None and spec.number == "+4587803333" and spec.dialplan is None


def test_selection_and_empty_folder(tmp_path: Path) -> None:
    for n in ("001-pas", "002-rotter"):
        _wav(tmp_path / f"{n}.wav")
        (tmp_path / f"{n}.yaml").write_text("expect: {}\n")
    assert [c.name for c in load_suite(tmp_path, "rott").cases] == ["002-rotter"]
    assert [c.name for c in load_suite(tmp_path, "001-*").cases] == ["001-pas"]
    with pytest.raises(InputError, match="no call matches -k 'flyt'"):
        load_suite(tmp_path, "flyt")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no recordings"):
        load_suite(empty)


def test_recording_errors_name_the_file(tmp_path: Path) -> None:
    _wav(tmp_path / "rate.wav", rate=22050)
    (tmp_path / "rate.yaml").write_text("expect: {}\n")
    (tmp_path / "bad.wav").write_bytes(b"RIFF....WAVEjunk")
    (tmp_path / "bad.yaml").write_text("expect: {}\n")
    (tmp_path / "bad2.pcap").write_bytes(b"\x00" * 40)
    (tmp_path / "bad2.yaml").write_text("expect: {}\n")
    cases = {c.name: c for c in load_suite(tmp_path).cases}
    with pytest.raises(InputError, match=re.escape("rate.wav: sample rate 22050 Hz")):
        load_recording(cases["rate"])
    with pytest.raises(InputError, match=re.escape("bad.wav")):
        load_recording(cases["bad"])
    with pytest.raises(InputError, match=re.escape("bad2.pcap")):
        load_recording(cases["bad2"])


def test_dtmf_and_lead_silence_shift_the_timeline(tmp_path: Path) -> None:
    _wav(tmp_path / "a.wav", seconds=1.0)
    (tmp_path / "a.yaml").write_text("lead_silence_s: 2\ndtmf: [{at_s: 0.5, digit: 0}]\nexpect: {}\n")
    rec = load_recording(load_suite(tmp_path).cases[0])
    assert rec.dtmf == [(2.5, "0")]
    assert rec.audio.duration == pytest.approx(3.0)
    assert not rec.audio.pcm[:16000].any()


def test_bad_dtmf_digit_is_a_case_error(tmp_path: Path) -> None:
    _wav(tmp_path / "a.wav")
    (tmp_path / "a.yaml").write_text("dtmf: [{at_s: 1, digit: '12'}]\nexpect: {}\n")
    assert "not a DTMF digit" in (load_suite(tmp_path).cases[0].error or "")
