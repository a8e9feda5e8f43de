"""Recorded prompts: a kommune's own WAV files (often a human greeting), validated and converted.

Accepts RIFF/WAVE with PCM 8/16/24/32-bit, 32-bit float, G.711 µ-law or A-law, mono or stereo,
8–48 kHz, 0.2 s to 5 min. Anything else is an `AudioFormatError` naming the file and the fix.
"""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicebot.audio.g711 import alaw_decode, ulaw_decode
from voicebot.audio.resample import resample
from voicebot.errors import AudioFormatError

MIN_RATE, MAX_RATE = 8000, 48000
MIN_SECONDS, MAX_SECONDS = 0.2, 300.0
_PCM, _FLOAT, _ALAW, _ULAW, _EXTENSIBLE = 1, 3, 6, 7, 0xFFFE


@dataclass(frozen=True)
class RecordedPrompt:
    pcm: np.ndarray  # int16 mono at sample_rate
    sample_rate: int
    source_rate: int
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return len(self.pcm) / self.sample_rate


def _chunks(data: bytes) -> dict[bytes, bytes]:
    out: dict[bytes, bytes] = {}
    i = 12
    while i + 8 <= len(data):
        cid, size = data[i : i + 4], struct.unpack_from("<I", data, i + 4)[0]
        out.setdefault(cid, data[i + 8 : i + 8 + size])
        i += 8 + size + (size & 1)
    return out


def _decode(fmt: bytes, body: bytes, path: Path) -> tuple[np.ndarray, int, int]:
    if len(fmt) < 16:
        raise AudioFormatError(f"{path}: damaged WAV header (short fmt chunk)")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack_from("<H", fmt, 24)[0]
    if channels not in (1, 2):
        raise AudioFormatError(f"{path}: {channels} channels; record prompts in mono")
    if tag == _PCM and bits in (8, 16, 24, 32):
        width = bits // 8
        body = body[: len(body) - len(body) % (width * channels)]
        if bits == 8:
            x = (np.frombuffer(body, np.uint8).astype(np.float32) - 128.0) / 128.0
        elif bits == 24:
            b = np.frombuffer(body, np.uint8).reshape(-1, 3)
            ints = (b[:, 0].astype(np.int32) | (b[:, 1].astype(np.int32) << 8) | (b[:, 2].astype(np.int32) << 16))
            x = ((ints ^ 0x800000) - 0x800000).astype(np.float32) / 8388608.0
        else:
            x = np.frombuffer(body, f"<i{width}").astype(np.float32) / float(2 ** (bits - 1))
    elif tag == _FLOAT and bits == 32:
        x = np.frombuffer(body[: len(body) - len(body) % 4], "<f4").astype(np.float32)
    elif tag in (_ULAW, _ALAW) and bits == 8:
        x = (ulaw_decode(body) if tag == _ULAW else alaw_decode(body)).astype(np.float32) / 32768.0
    else:
        raise AudioFormatError(
            f"{path}: unsupported WAV encoding (format {tag}, {bits}-bit); use 16-bit PCM, µ-law or A-law"
        )
    if channels == 2:
        x = x[: len(x) // 2 * 2].reshape(-1, 2).mean(axis=1)
    return x, rate, channels


_CACHE: OrderedDict[tuple[str, int, int, int], RecordedPrompt] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def load_recorded_prompt(path: Path, sample_rate: int) -> RecordedPrompt:
    """Read, validate and convert a recorded prompt to PCM16 mono at the call's `sample_rate`.
    Remembered per (file, its mtime and size, rate): a greeting played on every call is read once."""
    try:
        st = path.stat()
    except OSError as exc:
        raise AudioFormatError(f"{path}: recorded prompt not found") from exc
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, sample_rate)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    prompt = _load(path, sample_rate)
    prompt.pcm.flags.writeable = False  # shared between calls
    with _CACHE_LOCK:
        _CACHE[key] = prompt
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return prompt


def _load(path: Path, sample_rate: int) -> RecordedPrompt:
    if not path.is_file():
        raise AudioFormatError(f"{path}: recorded prompt not found")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AudioFormatError(f"{path}: cannot read: {exc.strerror}") from exc
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFormatError(f"{path}: not a WAV file (export the recording as WAV)")
    chunks = _chunks(data)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise AudioFormatError(f"{path}: damaged WAV (no fmt or data chunk)")
    x, rate, _ = _decode(chunks[b"fmt "], chunks[b"data"], path)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioFormatError(f"{path}: sample rate {rate} Hz; use 8000 to 48000 Hz")
    seconds = len(x) / rate
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        limits = f"{MIN_SECONDS} s to {MAX_SECONDS:.0f} s"
        raise AudioFormatError(f"{path}: {seconds:.2f} s long; a prompt must last {limits}")
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak < 0.003:
        raise AudioFormatError(f"{path}: the recording is silent")
    warnings = []
    if float(np.mean(np.abs(x) > 0.999)) > 0.001:
        warnings.append("clipped: record at a lower level")
    if rate < sample_rate:
        warnings.append(f"recorded at {rate} Hz, played at {sample_rate} Hz: it will sound narrow")
    pcm16 = np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)
    return RecordedPrompt(resample(pcm16, rate, sample_rate), sample_rate, rate, tuple(warnings))
