"""`voicebot serve`: the HTTP API and the SIP listener in one process, or, with
`--workers N`, a supervisor serving HTTP with N SIP worker processes on consecutive ports."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import logging
import signal
from pathlib import Path
from typing import Any

from voicebot.errors import InputError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the gateway (HTTP API + SIP)")
    p.add_argument("--http-port", type=int, default=8080, help="HTTP API port; 0 = no HTTP API")
    p.add_argument("--http-host", default="127.0.0.1")
    p.add_argument("--sip-port", type=int, default=5060, help="SIP port (UDP and TCP); 0 = no SIP listener")
    p.add_argument("--sip-host", default="127.0.0.1", help="address to bind SIP and RTP to")
    p.add_argument("--max-calls", type=int, default=4, help="calls per process, 486 beyond (PyPI wheel: max 4)")
    p.add_argument("--workers", type=int, default=0, help="run N SIP worker processes on ports sip-port..+N-1")
    p.add_argument("--dialplans", type=Path, default=None, help="dialplan folder (default: ./dialplans)")
    p.add_argument("--call-log", type=Path, default=None, help="append each finished call as a JSON line")
    p.add_argument("--user-to-user", action="store_true", help="add a User-to-User header to transfers")
    p.add_argument("--answer-delay", type=float, default=0.0, help="ring this many seconds before answering")
    p.add_argument(
        "--test-headers", action="store_true",
        help="trust X-Voicebot-Test-Id/-At on INVITEs (replay suites over SIP; never in production)",
    )  # fmt: skip
    p.add_argument("--console-url", default=None,
                   help="the console's base URL as agents reach it, for X-Voicebot-Url (default: VOICEBOT_PUBLIC_URL, "
                        "else this server's HTTP address)")  # fmt: skip
    p.add_argument("--sip-allow", type=Path, default=None,
                   help="file of trunk addresses or CIDRs, one a line, that may send SIP; others get 403")
    p.add_argument("--sip-auth", type=Path, default=None,
                   help="file of 'CIDR USER PASSWORD' lines: INVITEs from those trunks need digest credentials")
    p.add_argument("--sip-rate", type=float, default=None,
                   help="new INVITEs a second per source, 503 beyond (default 5; behind Kamailio 0 = off: pike limits)")
    p.add_argument("--sip-burst", type=float, default=10.0, help="INVITE burst per source before --sip-rate applies")
    p.add_argument("--slots-per-source", type=int, default=None,
                   help="calls one source may hold (default: max-calls - 1; behind Kamailio: max-calls)")
    p.add_argument("--tcp-idle", type=float, default=120.0, help="close an idle SIP TCP connection after this many s")
    p.add_argument("--tcp-per-source", type=int, default=8, help="SIP TCP connections per source address")
    p.add_argument("--drain-grace", type=float, default=20.0,
                   help="on SIGTERM: refuse new calls, let calls finish this many seconds, then BYE")
    p.add_argument(
        "--asr-service", default="auto",
        help="ASR for the default Whisper model: 'auto' (with --workers: one shared asr-serve process; "
        "else in-process), 'local' (a model per process), or a Wyoming URL tcp://host:port",
    )  # fmt: skip
    p.add_argument("--asr-window-ms", type=float, default=0.0, help="batching window of the shared ASR service")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.workers < 0 or not 0 <= args.sip_port <= 65535 or not 0 <= args.http_port <= 65535:
        raise InputError("--workers must be >= 0 and ports 0..65535")
    if args.workers and args.sip_port + args.workers - 1 > 65535:
        raise InputError(f"--workers {args.workers} from port {args.sip_port} runs past 65535")
    for opt, path in (("--sip-allow", args.sip_allow), ("--sip-auth", args.sip_auth)):
        if path is not None and not path.is_file():
            raise InputError(f"{opt} {path}: no such file")
    if args.max_calls < 1:
        raise InputError("--max-calls must be at least 1 (the PyPI pjsua2 wheel allows at most 4)")
    faulthandler.enable()  # a crash in native code (pjsip, an engine) leaves its Python stack in the log
    asyncio.run(_serve(args))
    return 0


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        log.info("%s received: stopping", sig.name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    return stop


async def _serve(args: argparse.Namespace) -> None:
    from dataclasses import replace

    from voicebot.config import load_settings
    from voicebot.gateway import build_services

    settings = load_settings()
    if args.asr_service.startswith("tcp://"):
        settings = replace(settings, asr_service_url=args.asr_service)
    elif args.asr_service == "local":
        settings = replace(settings, asr_service_url=None)
    elif args.asr_service != "auto":
        raise InputError(f"--asr-service {args.asr_service!r}: use auto, local or tcp://host:port")
    services = build_services(settings, dialplans_dir=args.dialplans)
    stop = _stop_event()
    gateway: Any = None
    supervisor: Any = None
    asr_service: Any = None
    tasks: list[asyncio.Task[Any]] = []
    try:
        if args.workers:
            from voicebot.transports.sip.workers import Supervisor

            extra = _worker_extra(args)
            if args.asr_service == "auto":  # one model for all workers, not one per worker
                from voicebot.transports.sip.asr_process import AsrServiceProcess

                asr_service = AsrServiceProcess(extra=["--window-ms", str(args.asr_window_ms)])
                await asr_service.start()
                print(f"voicebot: shared ASR service on {asr_service.url}", flush=True)
            extra += ["--asr-service", asr_service.url if asr_service is not None else args.asr_service]
            supervisor = Supervisor(args.workers, args.sip_host, args.sip_port, extra,
                                    stop_timeout=args.drain_grace + 20)  # workers drain on SIGTERM
            supervisor.asr_service = asr_service
            await supervisor.start()
        elif args.sip_port:
            gateway = await _start_sip(services, args)
            if args.worker:
                from voicebot.transports.sip.workers import exit_when_orphaned

                tasks.append(asyncio.create_task(exit_when_orphaned(stop)))
        if args.http_port:
            tasks.append(asyncio.create_task(_http(services, args, gateway, supervisor, stop)))
        # Hot reload: a valid changed dialplan applies to new calls; an invalid one is logged and refused.
        tasks.append(asyncio.create_task(services.dialplans.watch(interval_s=2.0)))
        if not args.worker:
            tasks.append(asyncio.create_task(_retention_daily(services)))
        if services.journal is not None:
            tasks.append(asyncio.create_task(_replay_spool(services.journal)))
        await stop.wait()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if supervisor is not None:
            await supervisor.stop()
        if asr_service is not None:
            await asr_service.stop()
        if gateway is not None:
            await gateway.stop()
        log.info("stopped")


async def _replay_spool(journal: Any, every_s: float = 5.0) -> None:
    """Calls queued on disk while the database was unavailable are written once it is back."""
    while True:
        try:
            await asyncio.to_thread(journal.replay)
        except Exception:  # a broken spool file must not stop the server; the next round retries
            log.exception("spool replay failed")
        await asyncio.sleep(every_s)


async def _retention_daily(services: Any, first_after_s: float = 60.0, every_s: float = 86_400.0) -> None:
    """Delete what is past each dialplan's retention: a minute after start, then once a day."""
    from datetime import UTC, datetime

    from voicebot.calls.kpi_cache import warm
    from voicebot.calls.retention import apply_retention
    from voicebot.calls.rows import local_fields

    await asyncio.sleep(first_after_s)
    while True:
        plans = [services.dialplans.get(n) for n in services.dialplans.names()]
        now = datetime.now(UTC).replace(tzinfo=None)
        try:
            await asyncio.to_thread(apply_retention, services.calls, plans, services.settings.record_dir, now)
            await asyncio.to_thread(warm, services.calls, local_fields(now)["day"])  # the dashboard's first load
        except Exception:  # a failed run is retried tomorrow; it must not stop the server
            log.exception("retention run failed")
        await asyncio.sleep(every_s)


def console_url(args: argparse.Namespace, settings: Any) -> str:
    if args.console_url:
        return str(args.console_url)
    if settings.public_url:
        return str(settings.public_url)
    return f"http://{args.http_host}:{args.http_port}" if args.http_port else ""


def _worker_extra(args: argparse.Namespace) -> list[str]:
    extra = ["--max-calls", str(args.max_calls), "--answer-delay", str(args.answer_delay)]
    if args.http_port and not args.console_url:
        extra += ["--console-url", f"http://{args.http_host}:{args.http_port}"]
    elif args.console_url:
        extra += ["--console-url", args.console_url]
    if args.dialplans is not None:
        extra += ["--dialplans", str(args.dialplans)]
    if args.call_log is not None:
        extra += ["--call-log", str(args.call_log)]
    if args.user_to_user:
        extra.append("--user-to-user")
    if args.test_headers:
        extra.append("--test-headers")
    if args.sip_allow is not None:
        extra += ["--sip-allow", str(args.sip_allow)]
    if args.sip_auth is not None:
        extra += ["--sip-auth", str(args.sip_auth)]
    if args.sip_rate is not None:
        extra += ["--sip-rate", str(args.sip_rate)]
    extra += ["--sip-burst", str(args.sip_burst), "--tcp-idle", str(args.tcp_idle),
              "--tcp-per-source", str(args.tcp_per_source), "--drain-grace", str(args.drain_grace)]
    if args.slots_per_source is not None:
        extra += ["--slots-per-source", str(args.slots_per_source)]
    return extra


async def _start_sip(services: Any, args: argparse.Namespace) -> Any:
    from voicebot.transports.sip.digest import DigestAuth
    from voicebot.transports.sip.endpoint import SipConfig
    from voicebot.transports.sip.gateway import SipGateway
    from voicebot.transports.sip.guard import GuardConfig
    from voicebot.transports.sip.limits import Allowlist, LimitConfig, SourceLimits

    loop = asyncio.get_running_loop()
    # Load the engines before the first call, so the first caller does not wait for them.
    await loop.run_in_executor(None, services.recognizer)
    await loop.run_in_executor(None, services.synthesizer)
    settings = services.settings
    slots = args.slots_per_source
    if slots is None:  # behind Kamailio every call comes from the proxy's address
        slots = args.max_calls if args.worker else max(1, args.max_calls - 1)
    cfg = SipConfig(host=args.sip_host, port=args.sip_port, max_calls=args.max_calls, answer_delay_s=args.answer_delay,
                    jitter_ms=settings.sip_jitter_ms, trace=settings.sip_trace, slots_per_source=slots)  # fmt: skip
    services.call_log = args.call_log
    allow = Allowlist.from_text(args.sip_allow.read_text(encoding="utf-8")) if args.sip_allow else Allowlist()
    guard = GuardConfig(host=args.sip_host, port=args.sip_port, tcp_idle_s=args.tcp_idle,
                        tcp_per_source=args.tcp_per_source)
    rate = args.sip_rate if args.sip_rate is not None else (0.0 if args.worker else 5.0)
    limits = SourceLimits(LimitConfig(invite_rate=rate, invite_burst=args.sip_burst), allow)
    auth = DigestAuth.from_text(args.sip_auth.read_text(encoding="utf-8")) if args.sip_auth else None
    gateway = SipGateway(services, cfg, guard=guard, limits=limits, drain_s=args.drain_grace, auth=auth)
    gateway.user_to_user = args.user_to_user
    gateway.trust_test_headers = args.test_headers
    base = console_url(args, services.settings)
    if base:
        from voicebot.api.auth import Auth, agent_link

        console_auth = Auth.from_settings(services.settings)
        gateway.agent_url = lambda call_id: agent_link(console_auth, base, call_id)
    await gateway.start()
    print(f"voicebot: SIP ready on {args.sip_host}:{args.sip_port}", flush=True)
    return gateway


async def _http(services: Any, args: argparse.Namespace, gateway: Any, supervisor: Any, stop: asyncio.Event) -> None:
    import uvicorn
    from fastapi import Depends

    from voicebot.api.app import create_app
    from voicebot.api.auth import viewer

    app = create_app(services)
    if not (services.settings.api_tokens or services.settings.api_tokens_file):
        log.warning("no API tokens (VOICEBOT_API_TOKENS): call records, KPIs and the console answer 401 to everyone")

    @app.get("/api/sip/status", dependencies=[Depends(viewer)])
    def sip_status() -> dict[str, Any]:
        out: dict[str, Any] = {"sip": gateway.status() if gateway else None}
        if supervisor is not None:
            out["workers"] = supervisor.status()
            out["asr_service"] = supervisor.asr_status()
        return out

    config = uvicorn.Config(app, host=args.http_host, port=args.http_port, log_level="warning")
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]  # our loop owns signals
    serving = asyncio.create_task(server.serve())
    print(f"voicebot: HTTP API on http://{args.http_host}:{args.http_port}", flush=True)
    try:
        await asyncio.wait([serving, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        if serving.done() and not stop.is_set():
            log.error("the HTTP server ended (%s): stopping", serving.exception() or "no error")
    finally:
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)
        stop.set()
