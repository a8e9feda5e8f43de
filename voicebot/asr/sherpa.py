"""sherpa-onnx adapter (optional extra `pip install voicebot[sherpa]`) for transducer models.

A model folder holds `tokens.txt` and one `encoder*.onnx`, `decoder*.onnx`, `joiner*.onnx`
(int8 variants such as `encoder.int8.onnx` are preferred when present). Two kinds:
- offline (utterance) transducers, e.g. a NeMo parakeet TDT export: `model_type="nemo_transducer"`;
- streaming zipformer transducers: `streaming=True`, which also gives `open_stream()`.

UNTESTED WITH REAL WEIGHTS: no sherpa-onnx model ships in a registry package that this project
may install, so only the folder checks and the error paths are covered by tests. The calls
follow sherpa-onnx's Python API (`OfflineRecognizer.from_transducer`,
`OnlineRecognizer.from_transducer`), checked against the installed 1.x/2.x package signatures.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from voicebot.asr.base import ASR_RATE, CANCELLED, AsrResult, as_int16
from voicebot.errors import EngineError, ModelError

PARTS = ("encoder", "decoder", "joiner")
NO_SCORE = 0.7  # greedy transducer output carries no calibrated score; a neutral value
EXPECTED = "tokens.txt, encoder*.onnx, decoder*.onnx and joiner*.onnx"


def find_model_files(path: Path) -> dict[str, Path]:
    """Map tokens/encoder/decoder/joiner to files in `path`, or raise ModelError naming what is missing."""
    if not path.is_dir():
        raise ModelError(f"sherpa-onnx model folder {path} does not exist; it should hold {EXPECTED}")
    found: dict[str, Path] = {}
    missing: list[str] = []
    if (path / "tokens.txt").is_file():
        found["tokens"] = path / "tokens.txt"
    else:
        missing.append("tokens.txt")
    for part in PARTS:
        cands = sorted(path.glob(f"*{part}*.onnx"))
        if not cands:
            missing.append(f"{part}*.onnx")
            continue
        int8 = [c for c in cands if ".int8." in c.name]
        found[part] = (int8 or cands)[0]
    if missing:
        raise ModelError(f"sherpa-onnx model folder {path} is incomplete: missing {', '.join(missing)}")
    return found


def _import_sherpa():
    try:
        import sherpa_onnx
    except ImportError as exc:
        raise ModelError("the sherpa engine needs the optional package sherpa-onnx: pip install sherpa-onnx") from exc
    return sherpa_onnx


class SherpaStream:
    """A live stream on a streaming (online) transducer."""

    def __init__(self, recognizer: object) -> None:
        self._r = recognizer
        self._s = recognizer.create_stream()  # type: ignore[attr-defined]

    def accept(self, pcm: np.ndarray) -> str:
        r, s = self._r, self._s
        s.accept_waveform(ASR_RATE, as_int16(pcm).astype(np.float32) / 32768.0)
        while r.is_ready(s):  # type: ignore[attr-defined]
            r.decode_stream(s)  # type: ignore[attr-defined]
        return str(r.get_result(s)).strip()  # type: ignore[attr-defined]

    def final(self) -> AsrResult:
        r, s = self._r, self._s
        s.accept_waveform(ASR_RATE, np.zeros(ASR_RATE // 2, dtype=np.float32))  # flush the right context
        s.input_finished()
        while r.is_ready(s):  # type: ignore[attr-defined]
            r.decode_stream(s)  # type: ignore[attr-defined]
        text = str(r.get_result(s)).strip()  # type: ignore[attr-defined]
        self._s = r.create_stream()  # type: ignore[attr-defined]
        return AsrResult(text, NO_SCORE if text else 0.0, ((text, NO_SCORE),) if text else ())


class SherpaRecognizer:
    name = "sherpa"

    def __init__(
        self, model_dir: Path, *, streaming: bool = False, model_type: str = "nemo_transducer", threads: int = 2
    ) -> None:
        files = find_model_files(model_dir)
        so = _import_sherpa()
        args = dict(
            tokens=str(files["tokens"]),
            encoder=str(files["encoder"]),
            decoder=str(files["decoder"]),
            joiner=str(files["joiner"]),
            num_threads=threads,
            sample_rate=ASR_RATE,
            decoding_method="greedy_search",
        )
        try:
            if streaming:
                self._rec = so.OnlineRecognizer.from_transducer(**args)
            else:
                self._rec = so.OfflineRecognizer.from_transducer(**args, model_type=model_type)
        except Exception as exc:  # sherpa-onnx raises RuntimeError/ValueError on bad files
            raise ModelError(f"cannot load sherpa-onnx model from {model_dir}: {exc}") from exc
        self.model_dir = model_dir
        self.streaming = streaming
        self._lock = threading.Lock()

    def open_stream(self, *, phrases: list[str] | None = None) -> SherpaStream:
        del phrases  # hotwords need modified_beam_search and a BPE vocabulary: not wired yet
        if not self.streaming:
            raise EngineError(f"sherpa-onnx model {self.model_dir} is loaded as offline; it has no streams")
        return SherpaStream(self._rec)

    def transcribe(
        self, audio: np.ndarray, *, prompt: str | None = None, cancel: threading.Event | None = None
    ) -> AsrResult:
        del prompt
        if cancel is not None and cancel.is_set():
            return CANCELLED
        try:
            if self.streaming:
                stream = self.open_stream()
                stream.accept(audio)
                return stream.final()
            with self._lock:
                s = self._rec.create_stream()
                s.accept_waveform(ASR_RATE, as_int16(audio).astype(np.float32) / 32768.0)
                self._rec.decode_stream(s)
                text = str(s.result.text).strip()
        except (ModelError, EngineError):
            raise
        except Exception as exc:
            raise EngineError(f"sherpa-onnx decode failed: {exc}") from exc
        return AsrResult(text, NO_SCORE if text else 0.0, ((text, NO_SCORE),) if text else ())
