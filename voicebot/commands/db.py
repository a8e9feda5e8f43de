"""`voicebot db upgrade | retention apply | calls erase`: the call database's maintenance."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from voicebot.errors import InputError

if TYPE_CHECKING:
    from voicebot.calls.store import CallStore
    from voicebot.config import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("db", help="the call database: run migrations")
    dsub = p.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    u = dsub.add_parser("upgrade", help="migrate the database (VOICEBOT_DATABASE_URL) to the newest schema")
    u.add_argument("--revision", default="head")
    u.set_defaults(func=run_upgrade)

    r = sub.add_parser("retention", help="delete calls older than each dialplan's retention_days")
    rsub = r.add_subparsers(dest="retention_command", required=True, metavar="SUBCOMMAND")
    a = rsub.add_parser("apply", help="delete what is past its retention now")
    a.set_defaults(func=run_retention)

    c = sub.add_parser("calls", help="call records")
    csub = c.add_subparsers(dest="calls_command", required=True, metavar="SUBCOMMAND")
    e = csub.add_parser("erase", help="delete every call from a caller's number (a request to be forgotten)")
    e.add_argument("--caller", required=True, help="the caller's number, e.g. +4520304050")
    e.set_defaults(func=run_erase)


def run_upgrade(args: argparse.Namespace) -> int:
    from voicebot.calls.db import open_engine, upgrade
    from voicebot.config import load_settings

    engine = open_engine(load_settings().database_url)
    rev = upgrade(engine, args.revision)
    print(json.dumps({"revision": rev}))
    return 0


def _store_and_settings() -> tuple[CallStore, Settings]:
    from voicebot.calls.store import CallStore
    from voicebot.config import load_settings

    settings = load_settings()
    return CallStore(settings.database_url), settings


def run_retention(args: argparse.Namespace) -> int:
    from voicebot.calls.retention import apply_retention
    from voicebot.dialog.registry import DialplanRegistry

    store, settings = _store_and_settings()
    registry = DialplanRegistry.from_dir(settings.dialplans_dir)
    plans = [registry.get(n) for n in registry.names()]
    now = datetime.now(UTC).replace(tzinfo=None)
    done = apply_retention(store, plans, settings.record_dir, now)
    print(json.dumps({"calls": done.calls, "recordings": done.recordings, "per_dialplan": done.per_dialplan}))
    return 0


def run_erase(args: argparse.Namespace) -> int:
    from voicebot.calls.retention import erase_caller, number_digits

    if len(number_digits(args.caller)) < 8:
        raise InputError("--caller needs a full phone number (8 digits, with or without +45)")
    store, settings = _store_and_settings()
    done = erase_caller(store, args.caller, settings.record_dir)
    print(json.dumps({"calls": done.calls, "recordings": done.recordings}))
    return 0
