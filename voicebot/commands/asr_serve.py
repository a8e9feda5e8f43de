"""`voicebot asr-serve`: one ASR model as a Wyoming service, decoding concurrent calls in batches.

`serve --workers N` starts one and points every SIP worker at it. It also serves any Wyoming
client (Home Assistant's, or a gateway on another machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path

from voicebot.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("asr-serve", help="serve one ASR model over Wyoming (tcp), batched across calls")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=10300, help="TCP port; 0 = pick a free one (printed)")
    p.add_argument("--http-port", type=int, default=None,
                   help="also serve the OpenAI-compatible POST /v1/audio/transcriptions here (0 = a free port)")
    p.add_argument("--engine", default="whisper", help="whisper (batched), vosk, sherpa (one at a time)")
    p.add_argument("--model", default=None, help="model folder (default: the embedded Whisper base)")
    p.add_argument("--window-ms", type=float, default=0.0, help="extra wait for more requests before a batch starts")
    p.add_argument("--max-batch", type=int, default=8, help="most utterances decoded together")
    p.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)  # started by serve --workers
    p.add_argument("--stats-json", type=Path, default=None, help="write the batching figures here on exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.http_port is not None and not 0 <= args.http_port <= 65535:
        raise InputError("--http-port must be 0..65535")
    if not 0 <= args.port <= 65535 or args.max_batch < 1 or not 0 <= args.window_ms <= 1000:
        raise InputError("--port 0..65535, --max-batch >= 1 and --window-ms 0..1000")
    asyncio.run(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    from voicebot.asr.factory import create_recognizer
    from voicebot.asr.service import serve_asr
    from voicebot.config import load_settings

    loop = asyncio.get_running_loop()
    engine = await loop.run_in_executor(None, create_recognizer, load_settings(), args.engine, args.model)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    orphan_watch = None
    if args.exit_with_parent:  # the supervisor died (even by SIGKILL): do not linger holding the model
        from voicebot.transports.sip.workers import exit_when_orphaned

        orphan_watch = asyncio.create_task(exit_when_orphaned(stop))

    def ready(port: int) -> None:
        print(f"voicebot: ASR service on tcp://{args.host}:{port}", flush=True)

    def http_ready(port: int) -> None:
        print(f"voicebot: OpenAI-compatible ASR on http://{args.host}:{port}/v1", flush=True)

    decoder = await serve_asr(
        engine, args.host, args.port, model_name=args.model or f"{args.engine}-embedded",
        window_s=args.window_ms / 1000.0, max_batch=args.max_batch, ready=ready, stop=stop,
        http_port=args.http_port, http_ready=http_ready,
    )  # fmt: skip
    if orphan_watch is not None:
        orphan_watch.cancel()
    stats = json.dumps(decoder.stats.as_dict())
    print(f"voicebot: asr-serve stats {stats}", flush=True)
    if args.stats_json is not None:
        args.stats_json.write_text(stats + "\n")
