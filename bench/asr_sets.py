"""Test sets for bench/asr.py: synthetic kommune sentences (espeak-ng) and real Danish speech.

Every item is (set name, id, 16 kHz PCM16 speech, reference). 8 kHz telephone items go
through G.711 µ-law at 8 kHz and are resampled to 16 kHz, as the call front end does.
"""

from __future__ import annotations

import csv
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicebot.audio.g711 import telephone_band
from voicebot.audio.resample import resample

REPO = Path(__file__).resolve().parent.parent
SENTENCES = REPO / "bench" / "data" / "asr_sentences_da.txt"
SPEECH = REPO.parent / "shared" / "corpus" / "danish_speech"


@dataclass(frozen=True)
class Item:
    set: str
    id: str
    pcm: np.ndarray  # 16 kHz int16, speech only (no added silence)
    ref: str

    @property
    def duration(self) -> float:
        return len(self.pcm) / 16000


def sentences() -> list[str]:
    lines = SENTENCES.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def espeak(text: str, *, wpm: int = 150) -> tuple[np.ndarray, int]:
    out = subprocess.run(
        ["espeak-ng", "-v", "da", "-s", str(wpm), "--stdout", text], capture_output=True, check=True
    ).stdout
    return np.frombuffer(out[44:], dtype="<i2").astype(np.int16), 22050


def trim(pcm: np.ndarray, thresh: int = 300) -> np.ndarray:
    """Cut leading/trailing silence so 'end of speech' is the last voiced sample."""
    idx = np.flatnonzero(np.abs(pcm.astype(np.int32)) > thresh)
    return pcm[idx[0] : idx[-1] + 1] if len(idx) else pcm


def to_phone(pcm16k: np.ndarray) -> np.ndarray:
    """16 kHz → 8 kHz G.711 µ-law round trip → 16 kHz."""
    return resample(telephone_band(resample(pcm16k, 16000, 8000)), 8000, 16000)


def synthetic(*, wpm: int = 150) -> list[Item]:
    items: list[Item] = []
    for i, text in enumerate(sentences()):
        raw, rate = espeak(text, wpm=wpm)
        pcm = trim(resample(raw, rate, 16000))
        items.append(Item("synth_16k", f"s{i:02d}", pcm, text))
        items.append(Item("synth_8k_g711", f"s{i:02d}", to_phone(pcm), text))
    return items


def decode_file(path: Path) -> np.ndarray:
    """Any audio file sox can read (wav, ogg, mp3) → 16 kHz mono int16."""
    cmd = ["sox", str(path), "-t", "raw", "-r", "16000", "-c", "1", "-e", "signed", "-b", "16", "-"]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.int16)


def real(*, phone: bool = False) -> list[Item]:
    """udhr_librivox (9 segments), readalongs_ap_dan (1 clip), gcompris numbers 1–20 and letters."""
    if not SPEECH.is_dir():
        return []
    sfx = "_8k_g711" if phone else ""
    conv = to_phone if phone else (lambda p: p)
    items: list[Item] = []
    udhr = SPEECH / "udhr_librivox"
    for entry in json.loads((udhr / "manifest.json").read_text(encoding="utf-8")):
        pcm = conv(decode_file(udhr / entry["audio"]))
        items.append(Item("real_udhr" + sfx, entry["audio"], pcm, entry["text"].replace("\n", " ")))
    ap = SPEECH / "readalongs_ap_dan"
    ap_text = (ap / "ap_dan.txt").read_text("utf-8")
    items.append(Item("real_readalongs" + sfx, "ap_dan", conv(decode_file(ap / "ap_dan.wav")), ap_text))
    gc = SPEECH / "gcompris_voices"
    with (gc / "manifest.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] in ("digit", "number"):
                name = "real_gcompris_numbers"
            elif row["kind"] == "letter":
                name = "real_gcompris_letters"
            else:
                continue  # colours/countries/misc: the Danish wording is not in the source
            items.append(Item(name + sfx, row["path"], conv(decode_file(gc / row["path"])), row["label"]))
    return items
