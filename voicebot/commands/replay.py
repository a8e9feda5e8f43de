"""`voicebot replay CALL.wav | SUITE_DIR`: recorded calls through the real pipeline.

A WAV file replays one call offline and prints its call record. A folder is a tester's
suite (recordings + expectation YAML, see docs/suites.md): see `voicebot.suite.command`.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path

from voicebot.clock import ComputeTiming
from voicebot.config import load_settings
from voicebot.dialog.plan import Dialplan, load_dialplan
from voicebot.errors import InputError
from voicebot.gateway import Services, build_services
from voicebot.replay import replay_call
from voicebot.suite.command import add_suite_arguments, run_suite
from voicebot.transports.wav import read_call_wav, write_wav


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="replay a recorded call, or a suite folder of them, and check expectations")
    p.add_argument("path", type=Path, help="a WAV recording (8/16 kHz; stereo: caller left) or a suite folder")
    p.add_argument("--dialplan", default=None, help="dialplan name in --dialplans, or a YAML path (default: default)")
    p.add_argument("--dialplans", type=Path, default=None, help="dialplan folder (default: ./dialplans)")
    p.add_argument("--at", default=None, help="wall-clock time the call is placed, ISO 8601")
    p.add_argument("--json", type=Path, default=None, help="write the call record (suite: the full results) here")
    p.add_argument("--bot-audio", type=Path, default=None, help="write the call as stereo WAV: caller left, bot right")
    settings = load_settings()
    p.add_argument(
        "--timing", choices=("fixed", "measured"), default="fixed",
        help="compute time charged to the virtual clock: fixed per recognition/synthesis, so results are "
        "the same on any machine (default), or measured here, for latency studies",
    )  # fmt: skip
    p.add_argument("--asr-cost-ms", type=float, default=settings.replay_asr_ms, help="fixed timing: per recognition")
    p.add_argument("--tts-cost-ms", type=float, default=settings.replay_tts_ms, help="fixed timing: per synthesis")
    add_suite_arguments(p)
    p.set_defaults(func=run)


def timing_from(args: argparse.Namespace) -> ComputeTiming:
    try:
        return ComputeTiming(args.timing, args.asr_cost_ms / 1000.0, args.tts_cost_ms / 1000.0)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def resolve_dialplan(services: Services, ref: str) -> Dialplan:
    path = Path(ref)
    if ref.endswith((".yaml", ".yml")) or path.exists():
        if not path.is_file():
            raise InputError(f"{ref}: no such dialplan file")
        return load_dialplan(path)
    return services.dialplans.get(ref)


def parse_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--at {value!r} is not an ISO 8601 date-time, e.g. 2026-11-24T10:15:00+01:00") from None


def run(args: argparse.Namespace) -> int:
    if args.path.is_dir():
        return run_suite(args)
    audio = read_call_wav(args.path)  # validate before loading any model
    services = build_services(dialplans_dir=args.dialplans)
    plan = resolve_dialplan(services, args.dialplan or "default")
    call = replay_call(audio, services=services, plan=plan, started_at=parse_at(args.at), timing=timing_from(args))
    result = asyncio.run(call)
    text = result.record.to_json()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    if args.bot_audio:
        write_wav(args.bot_audio, result.caller_audio, result.sample_rate, right=result.bot_audio)
    return 0
