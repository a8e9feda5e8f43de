"""G.711 µ-law and A-law (ITU-T G.711), vectorised with numpy.

Encoders follow the reference C code (Sun's g711.c): µ-law on 14-bit samples with bias 0x21,
A-law on the 13-bit magnitude with even-bit inversion (XOR 0x55). Decoders are table lookups.
"""

from __future__ import annotations

import numpy as np

_BIAS = 0x21  # 0x84 >> 2, on 14-bit samples
_CLIP = 8159


def _segment(mag: np.ndarray, shift: int) -> np.ndarray:
    """Index of the highest set bit above `shift` (0..7), i.e. the G.711 segment."""
    seg = np.zeros(mag.shape, dtype=np.int32)
    m = mag >> shift
    for _ in range(7):
        step = m > 1
        seg += step
        m = np.where(step, m >> 1, m)
    return seg


def ulaw_encode(pcm: np.ndarray) -> bytes:
    x = pcm.astype(np.int32) >> 2  # 14-bit, as in the reference code
    neg = x < 0
    mag = np.minimum(np.minimum(np.where(neg, -x, x), _CLIP) + _BIAS, 0x1FFF)
    seg = _segment(mag, 5)
    code = (seg << 4) | ((mag >> (seg + 1)) & 0x0F)
    return (code ^ np.where(neg, 0x7F, 0xFF)).astype(np.uint8).tobytes()


def _ulaw_table() -> np.ndarray:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    seg = (u >> 4) & 0x07
    t = (((u & 0x0F) << 3) + 0x84) << seg
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype(np.int16)


def alaw_encode(pcm: np.ndarray) -> bytes:
    x = pcm.astype(np.int32) >> 3  # 13-bit
    sign = np.where(x >= 0, 0x80, 0x00)
    mag = np.where(x >= 0, x, -x - 1)
    mag = np.minimum(mag, 0x0FFF)
    seg = _segment(mag, 4)
    mant = np.where(seg < 2, mag >> 1, mag >> seg) & 0x0F
    code = (sign | (seg << 4) | mant) ^ 0x55
    return code.astype(np.uint8).tobytes()


def _alaw_table() -> np.ndarray:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    seg = (a & 0x70) >> 4
    t = (a & 0x0F) << 4
    t = np.where(seg == 0, t + 8, (t + 0x108) << np.maximum(seg - 1, 0))
    return np.where(a & 0x80, t, -t).astype(np.int16)


ULAW_DECODE = _ulaw_table()
ALAW_DECODE = _alaw_table()


def ulaw_decode(data: bytes) -> np.ndarray:
    return ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_decode(data: bytes) -> np.ndarray:
    return ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def telephone_band(pcm8k: np.ndarray, law: str = "ulaw") -> np.ndarray:
    """Round-trip 8 kHz audio through a G.711 codec, as a phone line would."""
    if law == "ulaw":
        return ulaw_decode(ulaw_encode(pcm8k))
    return alaw_decode(alaw_encode(pcm8k))
