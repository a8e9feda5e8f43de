"""`voicebot replay SUITE_DIR`: run a suite, print one line per call, write the reports, and
end stdout with one JSON summary line. Exit 0 only when every call passed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from voicebot.errors import InputError
from voicebot.gateway import build_services
from voicebot.suite.cases import load_suite
from voicebot.suite.results import CallResult, summarize


def add_suite_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("suite runs (PATH is a folder)")
    g.add_argument("--jobs", "-j", type=int, default=2, help="calls replayed at once (default 2)")
    g.add_argument("--junit", type=Path, default=None, help="write a JUnit XML report")
    g.add_argument("--html", type=Path, default=None, help="write an HTML report (WAVs go beside it)")
    g.add_argument("-k", dest="select", default=None, help="only calls whose name matches (glob or substring)")
    g.add_argument("--over-sip", default=None, metavar="HOST:PORT", help="place each call over SIP to a gateway")
    g.add_argument("--api", default=None, help="the gateway's HTTP API for --over-sip (default http://HOST:8080)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def _line(r: CallResult) -> str:
    why = r.error or "; ".join(r.failures)
    return f"{r.status.upper():6} {r.name}" + (f"  {why}" if why else "")


def write_reports(args: argparse.Namespace, results: list[CallResult], summary: dict[str, Any], name: str) -> None:
    if args.junit:
        from voicebot.suite.junit import write_junit

        write_junit(args.junit, results, suite_name=name, summary=summary)
    if args.html:
        from voicebot.suite.html_report import write_html

        write_html(args.html, results, suite_name=name, summary=summary)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {"suite": name, "summary": summary, "calls": [r.to_dict() for r in results]}
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def run_suite(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise InputError("--jobs must be at least 1")
    if args.bot_audio or args.at or args.dialplan:
        raise InputError("--dialplan, --at and --bot-audio are for a single WAV; a suite sets them per call")
    suite = load_suite(args.path, args.select)
    name = args.path.resolve().name
    t0 = time.perf_counter()

    def show(r: CallResult) -> None:
        print(_line(r), flush=True)

    if args.over_sip:
        from voicebot.suite.oversip import parse_target, run_over_sip

        target = parse_target(args.over_sip)
        results = run_over_sip(
            suite, target, api=args.api, jobs=args.jobs, keep_audio=bool(args.html),
            progress=not args.no_progress, on_result=show,
        )  # fmt: skip
        mode = "sip"
    else:
        from voicebot.commands.replay import timing_from
        from voicebot.suite.offline import run_offline

        services = build_services(dialplans_dir=args.dialplans or suite.dialplans_dir)
        results = asyncio.run(
            run_offline(
                suite,
                services,
                jobs=args.jobs,
                keep_audio=bool(args.html),
                progress=not args.no_progress,
                on_result=lambda r: print(_line(r), flush=True),
                timing=timing_from(args),
            )
        )
        mode = "offline"
    summary = summarize(results, wall_s=time.perf_counter() - t0, mode=mode)
    write_reports(args, results, summary, name)
    print(json.dumps(summary), flush=True)
    return 0 if summary["failed"] == 0 else 1
