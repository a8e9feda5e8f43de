"""The prompt cache: audio keyed by (engine, voice, rate, normalised text).

Two layers:
- `AudioLRU`, in memory, bounded by bytes and shared by every call of the process;
- `PromptStore`, the pre-rendered prompts folder (`audio_prompts/`) that `voicebot prompts build`
  fills: one WAV per (engine, voice, text) at the engine's own rate, plus a manifest.
"""

from __future__ import annotations

import hashlib
import json
import threading
import wave
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from voicebot.audio.resample import resample

Key = tuple[str, str, int, str]  # engine, voice, rate, normalised text
MANIFEST = "manifest.json"


def text_hash(engine: str, voice: str, text: str) -> str:
    return hashlib.sha256(f"{engine}\0{voice}\0{text}".encode()).hexdigest()[:20]


class AudioLRU:
    """Thread-safe LRU of PCM arrays, bounded by total bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Key, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> np.ndarray | None:
        with self._lock:
            pcm = self._items.get(key)
            if pcm is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return pcm

    def put(self, key: Key, pcm: np.ndarray) -> np.ndarray:
        """Store a read-only copy and return it (or `pcm` itself when it is too big to keep)."""
        if pcm.nbytes > self.max_bytes:
            return pcm
        pcm = pcm.copy()
        pcm.flags.writeable = False  # shared between calls: nobody may scribble on it
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = pcm
            self._bytes += pcm.nbytes
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes
        return pcm

    def __len__(self) -> int:
        return len(self._items)


class PromptStore:
    """Pre-rendered prompts on disk: `<root>/<engine>-<voice>/<hash>.wav` and `<root>/manifest.json`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, engine: str, voice: str, text: str) -> Path:
        safe_voice = "".join(c if c.isalnum() or c in "-_." else "_" for c in voice)
        return self.root / f"{engine}-{safe_voice}" / f"{text_hash(engine, voice, text)}.wav"

    def load(self, engine: str, voice: str, text: str, rate: int) -> np.ndarray | None:
        """The prompt at `rate`: its copy at that rate if built, else the master resampled."""
        master = self.path_for(engine, voice, text)
        at_rate = master.with_suffix(f".{rate}.wav")
        path = at_rate if at_rate.is_file() else master
        if not path.is_file():
            return None
        try:
            with wave.open(str(path), "rb") as w:
                if w.getsampwidth() != 2 or w.getnchannels() != 1:
                    return None
                src_rate = w.getframerate()
                pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)
        except (OSError, EOFError, wave.Error):
            return None  # a damaged file is a miss; the engine renders it again
        return resample(pcm, src_rate, rate)

    def save(
        self, engine: str, voice: str, text: str, pcm: np.ndarray, rate: int, *, copies_at: tuple[int, ...] = ()
    ) -> Path:
        """Save the master at the engine's `rate`, plus ready copies at the call rates in `copies_at`."""
        path = self.path_for(engine, voice, text)
        for other in copies_at:
            if other != rate:
                self._write(path.with_suffix(f".{other}.wav"), resample(pcm, rate, other), other)
        return self._write(path, pcm, rate)

    @staticmethod
    def _write(path: Path, pcm: np.ndarray, rate: int) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.astype("<i2").tobytes())
        tmp.replace(path)  # atomic: a running gateway never reads half a file
        return path

    # manifest: text hash → what was rendered, so `prompts build` can skip what is up to date
    def read_manifest(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data.get("prompts", {}) if isinstance(data, dict) else {}

    def write_manifest(self, entries: dict[str, dict[str, Any]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / (MANIFEST + ".tmp")
        tmp.write_text(
            json.dumps({"version": 1, "prompts": dict(sorted(entries.items()))}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        tmp.replace(self.root / MANIFEST)
