"""Reproducible ASR numerics: the same transcript from the same audio on any x86-64 machine.

Whisper's features come from numpy (its own SIMD loops and OpenBLAS) and its decoding from
CTranslate2 on Intel MKL and oneDNN, and each of them picks its kernels by the CPU it finds
(AVX2, AVX-512, VNNI, AMX). Different kernels round differently, and Whisper's beam search turns a
last-bit difference into another transcript: the shipped synthetic suite gave 31 passing calls on
one machine and 26 on another with the same wheels. Pinned to AVX2 (Haswell) kernels, which every
x86-64 server of the last decade has, the same code runs whatever the CPU also offers:
bench/numerics.py compares a native run on an AVX-512/AMX machine against an emulated Haswell.

It costs decode time (the synthetic suite: about 24 s instead of 17 s on a 2-core Sapphire
Rapids), so `voicebot replay` with fixed timing pins (a tester's records must not depend on the
machine), while `serve` keeps the fastest kernels; `VOICEBOT_ASR_KERNELS=pinned` or `native`
decides for every command. numpy and OpenBLAS read their variables when numpy is imported, the
others at their first use: `voicebot.cli` pins before it imports any command.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from itertools import pairwise

PINNED = {
    "CT2_FORCE_CPU_ISA": "AVX2",  # CTranslate2's own kernels
    "CT2_USE_MKL": "0",  # CTranslate2 picks MKL on Intel and oneDNN on AMD by default: oneDNN on both
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",  # MKL's dispatch, int8 GEMM included
    "MKL_CBWR": "AVX2",  # MKL's conditional numerical reproducibility
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # oneDNN (no AVX-512, VNNI or AMX)
    "OPENBLAS_CORETYPE": "Haswell",  # numpy's BLAS (the mel filter bank product)
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",  # numpy's own loops (log, exp…)
}


def wanted(argv: Sequence[str], kernels: str) -> bool:
    """Whether a `voicebot` command line pins: `kernels` is VOICEBOT_ASR_KERNELS ("", pinned, native)."""
    if kernels in ("pinned", "native"):
        return kernels == "pinned"
    command = next((a for a in argv if not a.startswith("-")), "")
    measured = "--timing=measured" in argv or ("--timing", "measured") in pairwise(argv)
    return command == "replay" and not measured


def pin() -> dict[str, str]:
    """Pin the kernels for this process (values already set in the environment are kept).

    Only on x86-64 (other CPUs have other kernels anyway), and only before numpy is imported
    (unless the process started with them set, as the gateways that tests start do)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return {}
    missing = {key: value for key, value in PINNED.items() if key not in os.environ}
    if missing and "numpy" in sys.modules:  # too late for numpy and OpenBLAS in this process
        raise RuntimeError("pin the ASR kernels before numpy is imported (voicebot.asr.numerics.pin)")
    os.environ.update(missing)
    return {key: os.environ[key] for key in PINNED}
