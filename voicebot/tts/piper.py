"""Piper (VITS, ONNX) voices loaded from a folder: `<voice>.onnx` beside `<voice>.onnx.json`.

Production uses `da_DK-talesyntese-medium` in `models/`; nothing is ever downloaded.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from voicebot.audio.resample import resample
from voicebot.errors import EngineError, ModelError

DEFAULT_VOICE = "da_DK-talesyntese-medium"


def resolve_voice(models_dir: Path, voice: str | None) -> tuple[Path, Path]:
    """The (model, config) files of `voice`: a path to an .onnx file, or a name found under models_dir."""
    name = voice or DEFAULT_VOICE
    direct = Path(name).expanduser()
    candidates = [direct] if direct.suffix == ".onnx" else []
    if models_dir.is_dir():
        candidates += sorted(models_dir.rglob(f"{Path(name).stem if direct.suffix else name}.onnx"))
    for model in candidates:
        if model.is_file():
            for config in (model.with_name(model.name + ".json"), model.with_suffix(".json")):
                if config.is_file():
                    return model, config
            raise ModelError(f"Piper voice {model.name}: its config {model.name}.json is missing beside it")
    raise ModelError(
        f"Piper voice {name!r} not found in {models_dir}; place {name}.onnx and {name}.onnx.json there "
        "(see models/README.md), or use --engine espeak"
    )


class PiperSynthesizer:
    name = "piper"

    def __init__(self, model_path: Path, config_path: Path | None = None, *, length_scale: float | None = None):
        try:
            from piper import PiperVoice
            from piper.config import SynthesisConfig
        except ImportError as exc:  # pragma: no cover - piper-tts is a core dependency
            raise ModelError("piper-tts is not installed; run `make run`") from exc
        try:
            self._voice = PiperVoice.load(model_path, config_path)
        except Exception as exc:  # onnxruntime / json raise many types; all mean a bad voice
            raise ModelError(f"cannot load Piper voice {model_path}: {exc}") from exc
        self._syn = SynthesisConfig(length_scale=length_scale)
        self._lock = threading.Lock()  # one inference at a time per voice; ORT uses the cores itself
        self.voice = Path(model_path).name.removesuffix(".onnx")
        self.native_rate = int(self._voice.config.sample_rate)
        self.synthesize("Hej.", self.native_rate)  # the first inference pays ORT's set-up; not a caller


    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        text = text.strip()
        if not text:
            return np.zeros(0, dtype=np.int16)
        try:
            with self._lock:
                chunks = [c.audio_int16_array for c in self._voice.synthesize(text, self._syn)]
        except Exception as exc:
            raise EngineError(f"Piper synthesis failed: {exc}") from exc
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return resample(np.concatenate(chunks), self.native_rate, sample_rate)
