"""`voicebot kamailio-config`: write kamailio.cfg + dispatcher.list to front SIP workers."""

from __future__ import annotations

import argparse
from pathlib import Path

from voicebot.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kamailio-config", help="write a Kamailio config that fronts `serve --workers N`")
    p.add_argument("--out", type=Path, default=Path("kamailio"), help="folder for kamailio.cfg and dispatcher.list")
    p.add_argument("--listen", default="127.0.0.1:5060", help="proxy address HOST:PORT (UDP and TCP)")
    p.add_argument("--workers", type=int, default=2, help="local workers: serve --workers N")
    p.add_argument("--worker-host", default="127.0.0.1")
    p.add_argument("--worker-port", type=int, default=5061, help="first worker port (serve --sip-port)")
    p.add_argument("--worker", action="append", default=[], metavar="URI",
                   help="a further worker, e.g. sip:10.0.0.5:5061 (repeat for other machines)")
    p.add_argument("--pike-max", type=int, default=60, help="initial requests per source IP per 2 s")
    p.add_argument("--branch-timeout-ms", type=int, default=2000, help="no reply in this time: next worker")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voicebot.transports.sip.kamailio import ProxyConfig, dispatcher_list, kamailio_cfg, worker_uris

    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--listen {args.listen!r}: expected HOST:PORT")
    bad = [w for w in args.worker if not w.startswith(("sip:", "sips:"))]
    if bad:
        raise InputError(f"--worker {bad[0]!r}: expected a SIP URI like sip:10.0.0.5:5061")
    workers = worker_uris(args.worker_host, args.worker_port, args.workers) + list(args.worker)
    if not workers:
        raise InputError("no workers: give --workers N and/or --worker URI")
    args.out.mkdir(parents=True, exist_ok=True)
    list_path = (args.out / "dispatcher.list").resolve()
    list_path.write_text(dispatcher_list(workers), encoding="utf-8")
    cfg = ProxyConfig(listen_host=host, listen_port=int(port), pike_max_requests=args.pike_max,
                      branch_timeout_ms=args.branch_timeout_ms)
    (args.out / "kamailio.cfg").write_text(kamailio_cfg(cfg, str(list_path)), encoding="utf-8")
    print(f"wrote {args.out / 'kamailio.cfg'} and {list_path} ({len(workers)} workers)")
    print(f"run: kamailio -DD -E -f {args.out / 'kamailio.cfg'}")
    return 0
