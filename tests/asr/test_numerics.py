"""Which command lines pin the recogniser's kernels (voicebot/asr/numerics.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from voicebot.asr.numerics import PINNED, wanted


@pytest.mark.parametrize(("argv", "kernels", "pins"), [
    (["replay", "calls/"], "", True),
    (["-v", "replay", "a.wav", "--timing", "fixed"], "", True),
    (["replay", "a.wav", "--timing", "measured"], "", False),
    (["replay", "a.wav", "--timing=measured"], "", False),
    (["serve", "--sip-port", "5060"], "", False),
    (["serve"], "pinned", True),
    (["replay", "calls/"], "native", False),
])  # fmt: skip
def test_which_commands_pin(argv: list[str], kernels: str, pins: bool) -> None:
    assert wanted(argv, kernels) is pins


def test_the_test_run_itself_is_pinned() -> None:
    # tests/conftest.py pins before numpy is imported; the gateways the tests start inherit it
    for key, value in PINNED.items():
        assert os.environ.get(key) == value, key


def test_pinning_after_numpy_is_refused() -> None:
    env = {k: v for k, v in os.environ.items() if k not in PINNED}
    code = "import numpy\nfrom voicebot.asr import numerics\nnumerics.pin()"
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and "before numpy is imported" in res.stderr
