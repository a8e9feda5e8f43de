"""Vosk (Kaldi) adapter: streaming recognition from a Vosk model folder, with an optional phrase list.

A Vosk model folder holds `am/final.mdl`, `conf/mfcc.conf`, `conf/model.conf` and a decoding
graph: either `graph/HCLG.fst` (static) or `graph/HCLr.fst` + `graph/Gr.fst` (lookahead, the
"small" models). Only lookahead models accept a runtime phrase list (grammar); for a static
graph the phrase list is ignored with a warning, as Kaldi cannot re-weight a compiled HCLG.

One `vosk.Model` is shared by all calls and threads (Vosk supports that); each stream and each
`transcribe` call owns a fresh `KaldiRecognizer`, so concurrent and speculative decodes need no lock.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np

from voicebot.asr.base import ASR_RATE, CANCELLED, AsrResult, as_int16
from voicebot.errors import EngineError, ModelError

log = logging.getLogger(__name__)

REQUIRED_FILES = ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf")
GRAPH_CHOICES = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))
_CHUNK = 4000  # samples per AcceptWaveform call in utterance mode (0.25 s): cancel granularity


def check_model_dir(path: Path) -> None:
    expected = f"{', '.join(REQUIRED_FILES)} and graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)"
    if not path.is_dir():
        raise ModelError(f"Vosk model folder {path} does not exist; it should hold {expected}")
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if not any(all((path / f).is_file() for f in choice) for choice in GRAPH_CHOICES):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)")
    if missing:
        raise ModelError(f"Vosk model folder {path} is incomplete: missing {', '.join(missing)}")


def _parse(result_json: str) -> AsrResult:
    """A Vosk final result (with max alternatives set) → AsrResult with n-best."""
    data = json.loads(result_json)
    alts = data.get("alternatives")
    if alts is None:  # max alternatives 0: {"text": ...}
        text = data.get("text", "").strip()
        return AsrResult(text, 1.0 if text else 0.0, ((text, 1.0),) if text else ())
    scored = [(a.get("text", "").strip(), float(a.get("confidence", 0.0))) for a in alts]
    if not scored or not scored[0][0]:
        return AsrResult("", 0.0)
    # Vosk alternative "confidence" is a total lattice score, not a probability: softmax over the list.
    top = max(c for _, c in scored)
    weights = [np.exp(min(0.0, c - top)) for _, c in scored]
    total = sum(weights)
    nbest = tuple((t, float(w / total)) for (t, _), w in zip(scored, weights, strict=True) if t)
    return AsrResult(nbest[0][0], nbest[0][1], nbest)


class VoskStream:
    """One live utterance stream over a shared model (see `StreamingRecognizer`).

    Kaldi may find an endpoint inside the audio we feed; the text of such segments is kept and
    joined into the partial and final results, so the caller sees one utterance.
    """

    def __init__(self, rec: object) -> None:
        self._rec = rec
        self._done: list[AsrResult] = []

    def accept(self, pcm: np.ndarray) -> str:
        rec = self._rec
        try:
            if rec.AcceptWaveform(as_int16(pcm).tobytes()):  # type: ignore[attr-defined]
                seg = _parse(rec.Result())  # type: ignore[attr-defined]
                if seg.text:
                    self._done.append(seg)
                partial = ""
            else:
                partial = json.loads(rec.PartialResult()).get("partial", "")  # type: ignore[attr-defined]
        except Exception as exc:
            raise EngineError(f"vosk decode failed: {exc}") from exc
        return " ".join([*(d.text for d in self._done), partial]).strip()

    def final(self) -> AsrResult:
        try:
            last = _parse(self._rec.FinalResult())  # type: ignore[attr-defined]
        except Exception as exc:
            raise EngineError(f"vosk decode failed: {exc}") from exc
        done, self._done = self._done, []
        if not done:
            return last
        parts = [*done, last] if last.text else done
        text = " ".join(p.text for p in parts)
        conf = min(p.confidence for p in parts)
        return AsrResult(text, conf, ((text, conf),))


class VoskRecognizer:
    name = "vosk"

    def __init__(self, model_dir: Path, *, phrases: list[str] | None = None, max_alternatives: int = 3) -> None:
        check_model_dir(model_dir)
        try:
            import vosk

            vosk.SetLogLevel(-1)
            self._vosk = vosk
            self._model = vosk.Model(str(model_dir))
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"cannot load Vosk model from {model_dir}: {exc}") from exc
        self.model_dir = model_dir
        self.grammar_ok = all((model_dir / f).is_file() for f in GRAPH_CHOICES[1])
        self.phrases = phrases
        self.max_alternatives = max_alternatives

    def _recognizer(self, phrases: list[str] | None) -> object:
        vosk = self._vosk
        if phrases and self.grammar_ok:
            # "[unk]" lets out-of-list speech through instead of forcing a list word.
            grammar = json.dumps([*phrases, "[unk]"], ensure_ascii=False)
            rec = vosk.KaldiRecognizer(self._model, ASR_RATE, grammar)
        else:
            if phrases:
                log.warning("vosk model %s has a static graph; the phrase list is ignored", self.model_dir)
            rec = vosk.KaldiRecognizer(self._model, ASR_RATE)
        rec.SetMaxAlternatives(self.max_alternatives)
        return rec

    def open_stream(self, *, phrases: list[str] | None = None) -> VoskStream:
        try:
            return VoskStream(self._recognizer(phrases if phrases is not None else self.phrases))
        except Exception as exc:
            raise EngineError(f"cannot open a vosk stream: {exc}") from exc

    def transcribe(
        self, audio: np.ndarray, *, prompt: str | None = None, cancel: threading.Event | None = None
    ) -> AsrResult:
        """Utterance mode: run a fresh stream over the audio. `prompt` is not used by Kaldi."""
        del prompt
        stream = self.open_stream()
        for i in range(0, len(audio), _CHUNK):
            if cancel is not None and cancel.is_set():
                return CANCELLED
            stream.accept(audio[i : i + _CHUNK])
        return stream.final()
