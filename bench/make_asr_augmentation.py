"""ASR-in-the-loop data for the intent engine: training phrases → espeak-ng Danish → the project's own
recogniser (Whisper, with the dialplan prompt, exactly as a call runs it) → transcripts with labels.

    .venv/bin/python bench/make_asr_augmentation.py train     # → voicebot/intent/data/asr_augmented.jsonl
    .venv/bin/python bench/make_asr_augmentation.py heldout   # → voicebot/intent/data/asr_heldout.jsonl

`train` reads phrases.yaml only, in several voices, speeds and rates; `heldout` reads heldout.yaml in the
call suite's own condition (8 kHz G.711, voice da, 150 wpm) and is used for measurement only. Phrases
that are (near) copies of an utterance of the shipped call suites (every string in
tests/calls/make_synthetic.py, normalised, fuzzy ratio ≥ 85) are left out of `train`, so the suite
stays an honest test. Audio goes through the call front end (resampler, VAD, endpointer) and each
endpointed turn is transcribed with the session's prompt. Re-running resumes: rows already in the
output file are kept. The first line of each file is a {"meta": ...} record saying how it was made.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voicebot.asr.factory import create_recognizer  # noqa: E402
from voicebot.asr.vocabulary import build_prompt  # noqa: E402
from voicebot.audio.frontend import AudioFrontEnd  # noqa: E402
from voicebot.audio.g711 import telephone_band  # noqa: E402
from voicebot.audio.resample import resample  # noqa: E402
from voicebot.config import load_settings  # noqa: E402
from voicebot.frames import AudioFrame, UserTurn  # noqa: E402
from voicebot.intent.knowledge import DATA_DIR  # noqa: E402
from voicebot.intent.model import load_phrases  # noqa: E402
from voicebot.intent.normalize import clean, to_ascii  # noqa: E402

SUITE_SOURCES = (ROOT / "tests" / "calls" / "make_synthetic.py", ROOT / "tests" / "calls" / "synthetic_caller.py")
# (voice, words per minute, sample rate); 8 kHz goes through G.711 µ-law like a phone line
TRAIN_VARIANTS = (("da", 130, 8000), ("da+m3", 170, 8000), ("da+f3", 150, 16000))
HELDOUT_VARIANTS = (("da", 150, 8000),)
# the prompt's kommune rotates over these for training (the held-out set uses Odder, as the suite does)
KOMMUNER = ("Aarhus", "Vejle", "Odense", "Herning", "Roskilde", "Randers", None)


def norm(text: str) -> str:
    return to_ascii(clean(text))


def suite_texts() -> set[str]:
    """Every multi-word string literal of the suite generators, normalised."""
    out: set[str] = set()
    for src in SUITE_SOURCES:
        for node in ast.walk(ast.parse(src.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value.strip():
                out.add(norm(node.value))
    return out


def contaminated(text: str, suite: set[str], *, cutoff: float = 85.0) -> bool:
    n = norm(text)
    return any(fuzz.ratio(n, s) >= cutoff for s in suite)


def speak(text: str, voice: str, wpm: int, rate: int) -> np.ndarray:
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
                         capture_output=True, check=True).stdout
    pcm = resample(np.frombuffer(out[44:], dtype="<i2").astype(np.int16), 22050, rate)
    return telephone_band(pcm) if rate == 8000 else pcm


def turns(pcm: np.ndarray, rate: int) -> list[np.ndarray]:
    """The 16 kHz turns the call front end cuts from this audio (0.5 s silence before, 1.5 s after)."""
    audio = np.concatenate([np.zeros(rate // 2, np.int16), pcm, np.zeros(rate * 3 // 2, np.int16)])
    fe, step, out = AudioFrontEnd(rate), rate // 50, []
    for i in range(0, len(audio) - step + 1, step):
        out += [e.audio for e in fe.push(AudioFrame(audio[i : i + step], rate, i / rate))
                if isinstance(e, UserTurn) and not e.speculative]
    out += [e.audio for e in fe.flush(len(audio) / rate) if isinstance(e, UserTurn) and not e.speculative]
    return out


def git_rev(path: str) -> str:
    try:
        rev = subprocess.run(["git", "log", "-1", "--format=%h", "--", path], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", path], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", choices=("train", "heldout"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N phrases (a quick look)")
    args = ap.parse_args(argv)
    settings = load_settings()
    if args.which == "train":
        suite = suite_texts()
        phrases = load_phrases(DATA_DIR / "phrases.yaml")
        kept = [(t, i) for t, i in phrases if not contaminated(t, suite)]
        excluded = [t for t, _ in phrases if contaminated(t, suite)]
        variants, out_path = TRAIN_VARIANTS, DATA_DIR / "asr_augmented.jsonl"
    else:
        kept, excluded = load_phrases(DATA_DIR / "heldout.yaml"), []
        variants, out_path = HELDOUT_VARIANTS, DATA_DIR / "asr_heldout.jsonl"
    if args.limit:
        kept = kept[: args.limit]
    jobs = []
    for n, (text, intent) in enumerate(kept):
        for voice, wpm, rate in variants:
            kommune = "Odder" if args.which == "heldout" else KOMMUNER[(n + wpm) % len(KOMMUNER)]
            jobs.append({"source": text, "intent": intent, "voice": voice, "wpm": wpm, "rate": rate,
                         "kommune": kommune})
    done: dict[tuple, dict] = {}
    if out_path.is_file():
        for line in out_path.read_text(encoding="utf-8").splitlines()[1:]:
            row = json.loads(line)
            done[(row["source"], row["voice"], row["wpm"], row["rate"])] = row
    todo = [j for j in jobs if (j["source"], j["voice"], j["wpm"], j["rate"]) not in done]
    meta = {"meta": {
        "made_by": "bench/make_asr_augmentation.py " + args.which,
        "source": "phrases.yaml (training split only)" if args.which == "train" else "heldout.yaml (measurement only)",
        "excluded_as_suite_copies": excluded,
        "tts": "espeak-ng -v VOICE -s WPM, resampled (soxr HQ); 8 kHz through G.711 µ-law",
        "variants": [list(v) for v in variants],
        "asr": {"engine": "whisper (embedded base, voicebot.asr.factory defaults)",
                "threads": settings.asr_threads, "prompt": "voicebot.asr.vocabulary.build_prompt(kommune, [])",
                "voicebot_asr_rev": git_rev("voicebot/asr")},
        "front_end": "voicebot.audio.frontend.AudioFrontEnd (default endpointer), each final turn transcribed",
    }}
    recognizer = create_recognizer(settings)
    rows = list(done.values())

    def flush() -> None:
        lines = [json.dumps(meta, ensure_ascii=False)] + [json.dumps(r, ensure_ascii=False) for r in rows]
        tmp = out_path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(out_path)

    with ThreadPoolExecutor(1) as pool:  # synthesis of the next phrase overlaps recognition of this one
        audio = pool.map(lambda j: turns(speak(j["source"], j["voice"], j["wpm"], j["rate"]), j["rate"]), todo)
        for k, (job, pieces) in enumerate(tqdm(zip(todo, audio, strict=True), total=len(todo), desc=args.which)):
            prompt = build_prompt(job["kommune"], [])
            texts = [recognizer.transcribe(p, prompt=prompt).text.strip() for p in pieces]
            rows.append({"text": " ".join(t for t in texts if t), **job, "turns": len(pieces)})
            if k % 50 == 49:
                flush()
    order = {(j["source"], j["voice"], j["wpm"], j["rate"]): n for n, j in enumerate(jobs)}
    rows = sorted((r for r in rows if (r["source"], r["voice"], r["wpm"], r["rate"]) in order),
                  key=lambda r: order[(r["source"], r["voice"], r["wpm"], r["rate"])])
    flush()
    print(f"{out_path.name}: {len(rows)} transcripts, {len(excluded)} phrases excluded as suite copies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
