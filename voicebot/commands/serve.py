"""`voicebot serve`: the HTTP API (and, with the SIP issue, the SIP listener)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the gateway")
    p.add_argument("--http-port", type=int, default=8080)
    p.add_argument("--http-host", default="127.0.0.1")
    p.add_argument("--dialplans", type=Path, default=None, help="dialplan folder (default: ./dialplans)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from voicebot.api.app import create_app
    from voicebot.gateway import build_services

    services = build_services(dialplans_dir=args.dialplans)
    uvicorn.run(create_app(services), host=args.http_host, port=args.http_port, log_level="info")
    return 0
