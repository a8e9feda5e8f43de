"""`voicebot dialplan validate|hours|schema`: the operator's tools for dialplan files."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from voicebot.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("dialplan", help="validate dialplans, check opening hours, export the JSON Schema")
    dsub = p.add_subparsers(dest="dialplan_command", required=True, metavar="SUBCOMMAND")

    v = dsub.add_parser("validate", help="check dialplan files; prints file:line:col: message per error")
    v.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="dialplan files or folders")
    v.set_defaults(func=run_validate)

    h = dsub.add_parser("hours", help="is the line open at a moment, and if not, why")
    h.add_argument("path", type=Path, metavar="PATH", help="a dialplan file")
    h.add_argument("--at", required=True, help="ISO 8601 date-time; without an offset it is read in the plan's zone")
    h.set_defaults(func=run_hours)

    s = dsub.add_parser("schema", help="print the dialplan JSON Schema (for editors)")
    s.add_argument("--out", type=Path, default=None, help="write it to this file instead of stdout")
    s.set_defaults(func=run_schema)


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and f.is_file()))
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    if not out:
        raise InputError(f"no dialplan files (*.yaml) in {', '.join(map(str, paths))}")
    return out


def run_validate(args: argparse.Namespace) -> int:
    from voicebot.dialog.validate import check_file

    files = _files(args.paths)
    bad = 0
    for path in files:
        _plan, issues = check_file(path)
        for issue in issues:
            print(issue)
        bad += bool(issues)
    print(f"{len(files) - bad} of {len(files)} dialplans valid", file=sys.stderr)
    return 1 if bad else 0


def parse_moment(value: str, zone: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--at {value!r} is not an ISO 8601 date-time, e.g. 2026-05-14T10:00+02:00") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(zone))


def run_hours(args: argparse.Namespace) -> int:
    from voicebot.dialog.hours import open_state
    from voicebot.dialog.plan import load_dialplan

    if not args.path.is_file():
        raise InputError(f"{args.path}: no such dialplan file")
    plan = load_dialplan(args.path)
    zone = plan.hours.timezone if plan.hours else "Europe/Copenhagen"
    print(open_state(plan.hours, parse_moment(args.at, zone)).describe())
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from voicebot.dialog.plan import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
