"""The CI version of the soak benchmark: `bench/soak.py` for 2 minutes at 2 concurrent calls.
Pass: no failed call, RSS growth under 10 %, no growth in open fds or threads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def test_two_minute_soak() -> None:
    cmd = [sys.executable, str(REPO / "bench" / "soak.py"), "--minutes", "2", "--window", "1", "--concurrency", "2",
           "--warmup", "30", "--name", "soak-ci"]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=420)
    report = json.loads((REPO / "bench" / "out" / "soak-ci.json").read_text())
    assert report["calls"] >= 8, report
    assert report["failed"] == 0, report["failures"]
    assert report["rss_growth"] < 0.10, report
    assert report["end"]["fds"] <= report["start"]["fds"], report
    assert report["end"]["threads"] <= report["start"]["threads"], report
    assert res.returncode == 0, res.stderr[-2000:]
