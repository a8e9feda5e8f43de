"""Reproducible ASR numerics: the same transcript from the same audio on any x86-64 machine.

Whisper runs in CTranslate2 on Intel MKL and oneDNN, and each picks its kernels by the CPU it
finds (AVX2, AVX-512, VNNI, AMX). Different kernels round differently, and Whisper's beam search
turns a last-bit difference into another transcript: the shipped synthetic suite gave 31 passing
calls on one machine and 26 on another with the same wheels. Pinned to AVX2 kernels, which every
x86-64 server of the last decade has, a replay gives the same record everywhere.

It costs decode time (the synthetic suite: 24 s instead of 17 s on a 2-core Sapphire Rapids), so
`voicebot replay` and suites pin (a tester's records must not depend on the machine), while
`serve` keeps the fastest kernels; `VOICEBOT_ASR_KERNELS=pinned` or `native` decides for both.
The libraries read these variables once, at their first use in a process: pin before the first
decode. `bench/numerics.py` checks the claim against an emulated CPU without AVX-512.
"""

from __future__ import annotations

import os

PINNED = {
    "CT2_FORCE_CPU_ISA": "AVX2",  # CTranslate2's own kernels
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",  # MKL's dispatch, int8 GEMM included
    "MKL_CBWR": "AVX2",  # MKL's conditional numerical reproducibility
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # oneDNN (no AVX-512, VNNI or AMX)
}


def pin() -> dict[str, str]:
    """Pin the kernels for this process (values already set in the environment are kept)."""
    for key, value in PINNED.items():
        os.environ.setdefault(key, value)
    return {key: os.environ[key] for key in PINNED}
