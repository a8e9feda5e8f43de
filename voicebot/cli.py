"""Command line: `voicebot serve | replay | chat | intents | say | prompts | dialplan | kamailio-config`.

Each command group lives in `voicebot/commands/<group>.py` and exposes `register(subparsers)`;
a handler returns an exit code. Errors the user can fix print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from voicebot.errors import VoicebotError

COMMAND_MODULES = ("serve", "asr_serve", "replay", "intents", "tts", "dialplan", "sip", "db")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voicebot", description="Voicebot gateway for Danish kommuner")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"voicebot.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from voicebot.asr import numerics
    from voicebot.config import load_settings

    if numerics.wanted(sys.argv[1:] if argv is None else argv, load_settings().asr_kernels):
        numerics.pin()  # before any command module imports numpy
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from voicebot.privacy.redact import RedactingFilter

    for handler in logging.getLogger().handlers:  # CPR numbers never reach a log line
        handler.addFilter(RedactingFilter())
    try:
        return int(args.func(args) or 0)
    except VoicebotError as exc:
        print(f"voicebot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
