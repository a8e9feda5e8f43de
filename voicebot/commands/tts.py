"""`voicebot say` and `voicebot prompts build`: Danish speech output from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from voicebot.config import load_settings
from voicebot.errors import InputError, VoicebotError
from voicebot.tts.factory import ENGINES

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "intent" / "data" / "kommuner"


def register(sub: argparse._SubParsersAction) -> None:
    say = sub.add_parser("say", help="speak Danish text into a WAV file")
    say.add_argument("text", help='the text; "-" reads it from stdin')
    say.add_argument("--out", type=Path, default=Path("say.wav"), help="WAV file to write (default: say.wav)")
    say.add_argument("--engine", choices=ENGINES, default="espeak")
    say.add_argument("--voice", help="espeak voice (da) or Piper voice name/.onnx path in models/")
    say.add_argument("--rate", type=int, default=16000, choices=(8000, 16000, 22050, 24000, 48000))
    say.add_argument("--print-normalized", action="store_true", help="print the spoken form and write no audio")
    say.set_defaults(func=_say)

    prompts = sub.add_parser("prompts", help="pre-rendered audio prompts")
    psub = prompts.add_subparsers(dest="prompts_command", required=True, metavar="ACTION")
    build = psub.add_parser("build", help="render every static dialplan text into audio_prompts/")
    build.add_argument("--dialplans", type=Path, help="dialplan folder (default: dialplans/)")
    build.add_argument(
        "--knowledge", type=Path, action="append", help="knowledge-base folder(s) of YAML with `answers:`"
    )
    build.add_argument("--out", type=Path, help="prompt folder (default: audio_prompts/)")
    build.add_argument("--engine", choices=ENGINES, help="render all texts with this engine (default: each dialplan's)")
    build.add_argument("--voice", help="voice for --engine")
    build.add_argument("--force", action="store_true", help="render everything again")
    build.set_defaults(func=_build)


def _read_text(arg: str) -> str:
    text = sys.stdin.read() if arg == "-" else arg
    if not text.strip():
        raise InputError("nothing to say: the text is empty")
    return text


def _say(args: argparse.Namespace) -> int:
    from voicebot.transports.wav import write_wav
    from voicebot.tts.base import split_sentences
    from voicebot.tts.factory import create_synthesizer

    text = _read_text(args.text)
    settings = load_settings()
    synth = create_synthesizer(settings, args.engine, args.voice, use_prompts=False)
    if args.print_normalized:
        print(synth.spoken(text))
        return 0
    if not synth.spoken(text):
        raise InputError("nothing to say: the text holds no speakable words")
    t0 = time.perf_counter()
    first: float | None = None
    pieces = []
    for sentence in split_sentences(text):
        pcm = synth.synthesize(sentence, args.rate)
        if first is None and len(pcm):
            first = time.perf_counter() - t0
        pieces.append(pcm)
    pcm = np.concatenate(pieces) if pieces else np.zeros(0, np.int16)
    elapsed = time.perf_counter() - t0
    write_wav(args.out, pcm, args.rate)
    seconds = len(pcm) / args.rate
    print(
        f"wrote {args.out} ({seconds:.2f} s at {args.rate} Hz, {synth.name}/{synth.voice}); "
        f"first audio {1000 * (first or 0):.0f} ms, total {elapsed:.2f} s",
        file=sys.stderr,
    )
    return 0


def _collect_groups(args: argparse.Namespace, dialplans: Path) -> tuple[dict[Any, list[Any]], list[str]]:
    """Sources per (engine, voice): each dialplan's own TTS choice unless --engine overrides it."""
    from voicebot.tts.prompt_sources import (
        collect,
        collect_defaults,
        collect_dialplan,
        collect_from_yaml,
        collect_knowledge,
        yaml_files,
    )

    errors: list[str] = []
    override = (args.engine, args.voice) if args.engine else None
    groups: dict[Any, list[Any]] = {}
    for path in yaml_files(dialplans):
        try:
            tts, sources = collect_dialplan(path)
        except VoicebotError as exc:
            errors.append(f"{exc} (its texts are read as plain YAML)")
            tts, sources = None, collect_from_yaml(path)
        groups.setdefault(override or tts or ("espeak", None), []).extend(sources)
    if not groups:
        groups[override or ("espeak", None)] = []
    shared = collect_defaults()
    if args.knowledge is not None:
        shared += collect(args.knowledge)
    else:
        shared += collect_knowledge() or collect([KNOWLEDGE_DIR])
    for sources in groups.values():
        sources.extend(shared)
    return groups, errors


def _build(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from voicebot.tts.cache import PromptStore
    from voicebot.tts.factory import create_synthesizer
    from voicebot.tts.prompts import build_prompts

    settings = load_settings()
    dialplans = args.dialplans or settings.dialplans_dir
    if args.dialplans is not None and not dialplans.is_dir():
        raise InputError(f"{dialplans}: no such dialplan folder")
    store = PromptStore(args.out or settings.prompts_dir)
    groups, errors = _collect_groups(args, dialplans)
    warnings: list[str] = []
    totals = [0, 0, 0]
    for (engine, voice), sources in groups.items():
        try:
            synth = create_synthesizer(settings, engine, voice, use_prompts=False)
        except VoicebotError as exc:
            errors.append(f"{engine}/{voice or 'default'}: {exc}")
            continue

        def bar(items: Iterable[Any], name: str = f"{synth.name}/{synth.voice}") -> Iterable[Any]:
            return tqdm(list(items), desc=name, unit="sentence", file=sys.stderr, disable=None)

        report = build_prompts(synth, sources, store, force=args.force, progress=bar)
        errors += report.errors
        warnings += report.warnings
        totals = [totals[0] + report.rendered, totals[1] + report.skipped, totals[2] + report.recorded]
    for line in dict.fromkeys(warnings):
        print(f"voicebot: warning: {line}", file=sys.stderr)
    for line in dict.fromkeys(errors):
        print(f"voicebot: error: {line}", file=sys.stderr)
    print(
        f"{totals[0]} rendered, {totals[1]} up to date, {totals[2]} recordings converted → {store.root}",
        file=sys.stderr,
    )
    return 2 if errors else 0
