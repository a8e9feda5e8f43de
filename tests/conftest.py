"""Shared fixtures. Danish test speech helpers live in `speechkit.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.asr import numerics

# Every test, and every gateway a test starts (they inherit the environment), decodes with the
# same kernels on any machine: a transcript that a test asserts on must not depend on the CPU.
numerics.pin()

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}; clone the project with shared/ beside it")
    return CORPUS
