"""Deterministic replay: with `--timing fixed` (the default) a suite gives byte-identical records on an
idle and on a busy machine; `--timing measured` charges what the work took, for latency studies."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from voicebot.cli import main
from voicebot.clock import MEASURED, ComputeTiming, VirtualClock

CALLS = Path(__file__).resolve().parents[1] / "calls"
# speech-heavy calls: speculative decodes, barge-in, two turns, a confirm or a menu
CASES = ["003-koerekort-1", "039-bargein", "040-two-topics", "030-human-2"]
BURN_S = 90  # each load process ends by itself after this long, even if the test dies


def make_suite(tmp: Path, names: list[str]) -> Path:
    suite = tmp / "suite"
    suite.mkdir()
    text = (CALLS / "synthetic/suite.yaml").read_text()
    (suite / "suite.yaml").write_text(text.replace("../../../dialplans", str(CALLS.parent.parent / "dialplans")))
    for name in names:
        for ext in (".wav", ".yaml"):
            shutil.copy(CALLS / "synthetic" / f"{name}{ext}", suite / f"{name}{ext}")
    return suite


def replay_records(suite: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> bytes:
    main(["replay", str(suite), "--no-progress", "--json", str(out), *extra])
    capsys.readouterr()
    doc = json.loads(out.read_text(encoding="utf-8"))
    records = sorted((c["name"], c["record"]) for c in doc["calls"])
    assert len(records) == len(list(suite.glob("*.wav"))) and all(r for _, r in records)
    return json.dumps(records, ensure_ascii=False, sort_keys=True).encode()


def cpu_load(n: int) -> list[subprocess.Popen[bytes]]:
    burn = f"import time\nt = time.time()\nwhile time.time() - t < {BURN_S}:\n    sum(range(10000))\n"
    return [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(n)]


@pytest.mark.slow
def test_fixed_timing_gives_identical_records_idle_and_under_cpu_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = make_suite(tmp_path, CASES)
    idle = replay_records(suite, tmp_path / "idle.json", capsys)
    load = cpu_load(3)
    try:
        busy = replay_records(suite, tmp_path / "busy.json", capsys, "--jobs", "3")
    finally:
        for p in load:
            p.kill()
            p.wait()
    assert busy == idle
    doc = json.loads((tmp_path / "busy.json").read_text(encoding="utf-8"))
    assert any(c["record"]["response_gaps_ms"] for c in doc["calls"])  # the calls did get answers


@pytest.mark.slow
def test_measured_timing_is_still_available(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = make_suite(tmp_path, ["003-koerekort-1"])
    records = json.loads(replay_records(suite, tmp_path / "m.json", capsys, "--timing", "measured"))
    assert records[0][1]["turns"][0]["speaker"] == "bot"


def test_compute_timing_charges_fixed_or_measured_costs() -> None:
    fixed = ComputeTiming("fixed", asr_s=0.3, tts_s=0.02)
    assert fixed.charge("asr", 5.0) == 0.3 and fixed.charge("tts", 0.001) == 0.02
    assert MEASURED.charge("asr", 1.234) == 1.234
    assert VirtualClock(timing=fixed).charge("asr", 9.9) == 0.3
    with pytest.raises(ValueError):
        ComputeTiming("wallclock")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ComputeTiming("fixed", asr_s=-1.0)


def test_bad_fixed_costs_are_refused_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", str(CALLS / "synthetic/031-dtmf0-1.wav"), "--dialplan", "odder", "--asr-cost-ms", "-5"])
    assert code == 2 and "negative" in capsys.readouterr().err
