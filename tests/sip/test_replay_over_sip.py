"""A replay suite placed as real SIP calls against `voicebot serve --test-headers`, with record mode on:
the record is filed under the suite's test id, the call time comes from the case, and the
gateway saves the call as a new regression case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from siphelpers import READER_TOKEN, Gateway, dialplan_yaml, free_port, kill_group, start_serve

from voicebot.transports.wav import write_wav

pytestmark = pytest.mark.slow
CONSENT = 'recording_consent: "Samtalen kan blive optaget for at forbedre tjenesten."\n'


@pytest.fixture()
def recording_gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Gateway, Path]]:
    sip_port, http_port, agent_port = free_port(), free_port(), free_port()
    (tmp_path / "dialplans").mkdir()
    (tmp_path / "dialplans" / "testkommune.yaml").write_text(dialplan_yaml(agent_port) + CONSENT, encoding="utf-8")
    rec_dir = tmp_path / "recorded"
    monkeypatch.setenv("VOICEBOT_RECORD_DIR", str(rec_dir))
    args = ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans", str(tmp_path / "dialplans"),
            "--test-headers"]  # fmt: skip
    proc = start_serve(tmp_path, args, "SIP ready")
    yield Gateway(proc, sip_port, http_port, agent_port, tmp_path / "calls.jsonl", tmp_path / "serve.log"), rec_dir
    kill_group(proc)


def test_suite_over_sip_files_records_under_test_ids_and_records_the_call(
    recording_gateway: tuple[Gateway, Path], tmp_path: Path
) -> None:
    gw, rec_dir = recording_gateway
    suite = tmp_path / "suite"
    suite.mkdir()
    write_wav(suite / "001-tast-0.wav", np.zeros(8000 * 12, np.int16), 8000)
    (suite / "001-tast-0.yaml").write_text(
        yaml.safe_dump({
            "dialplan": "testkommune",
            "at": "2026-11-24T10:15:00+01:00",
            "dtmf": [{"at_s": 8.0, "digit": "0"}],
            "expect": {"outcome": "transferred", "transfer_reason": "caller_request"},
        }),
        encoding="utf-8",
    )  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "voicebot.cli", "replay", str(suite), "--over-sip", f"127.0.0.1:{gw.sip_port}",
         "--api", f"http://127.0.0.1:{gw.http_port}", "--no-progress"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "VOICEBOT_API_TOKEN": READER_TOKEN},
    )  # fmt: skip
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert summary["calls"] == 1 and summary["passed"] == 1

    rec = gw.get("/api/calls/suite-001-tast-0")
    assert rec is not None, "the gateway did not file the record under the suite's test id"
    assert rec["started_at"].startswith("2026-11-24T10:15:00")
    assert rec["dialplan"] == "testkommune"
    assert rec["transfer"]["reason"] == "caller_request"

    cases = sorted((rec_dir / "testkommune").glob("*.yaml"))
    assert len(cases) == 1, list(rec_dir.rglob("*"))
    spec = yaml.safe_load(cases[0].read_text(encoding="utf-8"))
    assert spec["expect"]["outcome"] == "transferred"
    assert spec["dtmf"][0]["digit"] == "0"
    wav = cases[0].with_suffix(".wav")
    assert wav.is_file() and wav.stat().st_size > 8000 * 2 * 5  # the caller's side, seconds of it
