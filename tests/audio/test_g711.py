import audioop  # the CPython C implementation of the ITU reference code, used as an oracle

import numpy as np
import pytest

from voicebot.audio import g711

ALL_PCM = np.arange(-32768, 32768, dtype=np.int16)


# Known vectors from ITU-T G.711 / Sun g711.c: (linear, µ-law byte, A-law byte)
@pytest.mark.parametrize(
    ("pcm", "ulaw", "alaw"),
    [(0, 0xFF, 0xD5), (-1, 0x7E, 0x55), (8, 0xFE, 0xD5), (1000, 0xCE, 0xFA), (-1000, 0x4E, 0x7A),
     (32767, 0x80, 0xAA), (-32768, 0x00, 0x2A)],
)  # fmt: skip
def test_known_vectors(pcm: int, ulaw: int, alaw: int) -> None:
    x = np.array([pcm], dtype=np.int16)
    assert g711.ulaw_encode(x) == bytes([ulaw])
    assert g711.alaw_encode(x) == bytes([alaw])


def test_encoders_match_reference_over_full_range() -> None:
    assert g711.ulaw_encode(ALL_PCM) == audioop.lin2ulaw(ALL_PCM.tobytes(), 2)
    assert g711.alaw_encode(ALL_PCM) == audioop.lin2alaw(ALL_PCM.tobytes(), 2)


def test_decoders_match_reference_for_every_code() -> None:
    codes = bytes(range(256))
    assert np.array_equal(g711.ulaw_decode(codes), np.frombuffer(audioop.ulaw2lin(codes, 2), dtype=np.int16))
    assert np.array_equal(g711.alaw_decode(codes), np.frombuffer(audioop.alaw2lin(codes, 2), dtype=np.int16))


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_round_trip_error_is_bounded_relative_to_level(law: str) -> None:
    rt = g711.telephone_band(ALL_PCM, law).astype(np.int32)
    err = np.abs(rt - ALL_PCM.astype(np.int32))
    # companding: the step grows with the level; error stays under ~1/16 of the magnitude (+ small floor)
    assert np.all(err <= np.abs(ALL_PCM.astype(np.int32)) // 16 + 16)


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_decode_encode_is_identity_on_codes(law: str) -> None:
    codes = bytes(range(256))
    dec, enc = (g711.ulaw_decode, g711.ulaw_encode) if law == "ulaw" else (g711.alaw_decode, g711.alaw_encode)
    again = enc(dec(codes))
    # µ-law has two zeros (0x7F and 0xFF); everything else maps back to itself
    diffs = [i for i in range(256) if again[i] != codes[i]]
    assert diffs == ([0x7F] if law == "ulaw" else [])
