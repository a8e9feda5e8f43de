"""The SIP guard: our own UDP and TCP listener on the public SIP port, in front of pjsip.

Every message from outside is parsed strictly (`sipmsg`) and judged (`verdict`, `limits`)
before pjsip sees it; pjsip listens on a loopback port of its own and only the guard talks to
it. The guard is a stateless, record-routing hop (`sipwire`): requests to pjsip get our Via
and, for a new INVITE, a double Record-Route, so in-dialog requests both ways pass here too.

Over TCP it frames by Content-Length, answers 400 and closes the connection on a framing
error, times out idle or half-sent connections, and caps connections per source and in all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from voicebot.errors import TransportError
from voicebot.transports.sip import sipwire as wire
from voicebot.transports.sip.digest import DigestAuth
from voicebot.transports.sip.limits import SourceLimits
from voicebot.transports.sip.sipmsg import Incomplete, SipMessage, SipSyntaxError, parse
from voicebot.transports.sip.verdict import ALLOW, check

log = logging.getLogger(__name__)
SOURCE_HEADER = "x-voicebot-source"  # the caller's address, for pjsip's side; never taken from outside


@dataclass(frozen=True)
class GuardConfig:
    host: str = "127.0.0.1"
    port: int = 5060
    tcp: bool = True
    tcp_idle_s: float = 120.0  # a connection that never carried an INVITE
    tcp_call_idle_s: float = 3600.0  # one that did (a call may be up; in-dialog requests use it)
    tcp_partial_s: float = 5.0  # a message begun but not finished (e.g. Content-Length too large)
    tcp_per_source: int = 8
    tcp_max: int = 256
    max_message: int = 65_535
    udp_flows: int = 4096


@dataclass
class Flow:
    id: int
    transport: str  # "UDP" or "TCP"
    addr: tuple[str, int]
    writer: asyncio.StreamWriter | None = None
    invites: int = 0

    def alive(self) -> bool:
        return self.writer is None or not self.writer.is_closing()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes, tuple[str, int]], None]) -> None:
        self.on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.on_datagram(data, addr[:2])

    def error_received(self, exc: Exception) -> None:
        log.debug("udp error: %s", exc)


@dataclass
class SipGuard:
    cfg: GuardConfig
    limits: SourceLimits
    now: Callable[[], float] = time.monotonic
    upstream: tuple[str, int] | None = None  # pjsip's own UDP address
    draining: bool = False
    auth: DigestAuth | None = None  # digest credentials per trunk, if configured
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._flows: dict[int, Flow] = {}
        self._udp_flows: OrderedDict[tuple[str, int], Flow] = OrderedDict()
        self._seq = 0
        self._public: asyncio.DatagramTransport | None = None
        self._inner: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None
        self._conns: dict[str, int] = {}
        self.inner_addr: tuple[str, int] = ("127.0.0.1", 0)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        where = f"{self.cfg.host}:{self.cfg.port}"
        try:
            self._public, _ = await loop.create_datagram_endpoint(
                lambda: _Udp(self._from_outside_udp), local_addr=(self.cfg.host, self.cfg.port))
            if self.cfg.tcp:
                self._server = await asyncio.start_server(self._on_connection, self.cfg.host, self.cfg.port)
            self._inner, _ = await loop.create_datagram_endpoint(
                lambda: _Udp(self._from_pjsip), local_addr=("127.0.0.1", 0))
        except OSError as exc:
            await self.stop()
            raise TransportError(f"cannot listen for SIP on {where}: {exc.strerror or exc} "
                                 "(is another SIP server running on that port?)", retryable=False) from exc
        self.inner_addr = self._inner.get_extra_info("sockname")[:2]
        self.outer = f"{self.cfg.host}:{self.cfg.port}"
        self.inner = f"{self.inner_addr[0]}:{self.inner_addr[1]}"  # fmt: skip

    async def stop(self) -> None:
        for t in (self._public, self._inner):
            if t is not None:
                t.close()
        for flow in list(self._flows.values()):
            if flow.writer is not None:
                flow.writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self._public = self._inner = self._server = None

    def status(self) -> dict[str, object]:
        return {"tcp_connections": sum(self._conns.values()), "draining": self.draining, **self.counts}

    # ------------------------------------------------------------------ flows
    def _new_flow(self, transport: str, addr: tuple[str, int], writer: asyncio.StreamWriter | None) -> Flow:
        self._seq += 1
        flow = Flow(self._seq, transport, addr, writer)
        self._flows[flow.id] = flow
        return flow

    def _udp_flow(self, addr: tuple[str, int]) -> Flow:
        flow = self._udp_flows.pop(addr, None) or self._new_flow("UDP", addr, None)
        self._udp_flows[addr] = flow
        while len(self._udp_flows) > self.cfg.udp_flows:
            _, old = self._udp_flows.popitem(last=False)
            self._flows.pop(old.id, None)
        return flow

    def _send(self, flow: Flow, data: bytes) -> None:
        if flow.writer is not None:
            if not flow.writer.is_closing():
                flow.writer.write(data)
        elif self._public is not None:
            self._public.sendto(data, flow.addr)

    def _to_pjsip(self, msg: SipMessage) -> None:
        if self._inner is not None and self.upstream is not None:
            self._inner.sendto(wire.build(wire.start_line(msg), msg.headers, msg.body), self.upstream)

    # ------------------------------------------------------------------ from outside
    def _from_outside_udp(self, data: bytes, addr: tuple[str, int]) -> None:
        if not data.strip(b"\r\n"):
            return  # keep-alive
        flow = self._udp_flow(addr)
        try:
            msg, _ = parse(data)
        except SipSyntaxError as exc:
            self._malformed(flow, data, exc)
            return
        self._outside(flow, msg)

    def _malformed(self, flow: Flow, data: bytes, exc: SipSyntaxError) -> None:
        self.counts[f"rejected_{exc.code or 'dropped'}"] += 1
        log.info("SIP over %s refused: %s (%s)", flow.transport, exc.reason, exc.code or "dropped")
        if exc.code:
            head = data.lstrip(b"\r\n").split(b"\r\n\r\n", 1)[0][: self.cfg.max_message]
            out = wire.reply(head, exc.code, "Bad Request" if exc.code == 400 else "Version Not Supported")
            if out is not None:
                self._send(flow, out)

    def _answer(self, flow: Flow, msg: SipMessage, code: int, reason: str,
                extra: tuple[tuple[str, str], ...] = ()) -> None:  # fmt: skip
        self.counts[f"rejected_{code}"] += 1
        out = wire.reply(msg.head, code, reason, extra)
        if out is not None:
            self._send(flow, out)

    def _outside(self, flow: Flow, msg: SipMessage) -> None:
        host = flow.addr[0]
        if not msg.is_request:  # a caller's answer to a request pjsip sent through us
            if wire.pop_our_via(msg) is None:
                self.counts["stray_responses"] += 1
                return
            wire.add_compat_tag(msg)  # a reply to pjsip's BYE: To is pjsip's, From the 2543 peer's
            self._to_pjsip(msg)
            return
        if not self.limits.allowed(host):
            if msg.method != "ACK":
                self._answer(flow, msg, 403, "Forbidden")
            return
        if msg.method != "ACK":
            verdict = check(msg)
            if verdict is not None:
                self._answer(flow, msg, verdict.code, verdict.reason, verdict.headers)
                return
        initial = msg.method == "INVITE" and ";tag=" not in (msg.get("to") or "").replace(" ", "")
        wire.drop_headers(msg, SOURCE_HEADER)
        if initial:
            if self.draining:
                self._answer(flow, msg, 503, "Service Unavailable", (("Retry-After", "30"),))
                return
            wait = self.limits.admit_invite(host, self.now())
            if wait:
                self._answer(flow, msg, 503, "Service Unavailable", (("Retry-After", str(wait)),))
                return
            trunk = self.auth.trunk_for(host) if self.auth is not None else None
            if (trunk is not None and self.auth is not None
                    and not self.auth.verify(trunk, msg.method, msg.get("authorization"), self.now())):
                challenge = (("WWW-Authenticate", self.auth.challenge(self.now())),)
                self._answer(flow, msg, 401, "Unauthorized", challenge)
                return
            flow.invites += 1
            msg.headers.append((SOURCE_HEADER, host))
            wire.add_record_route(msg, self.inner, self.outer, flow.transport, flow.id)
        wire.pop_our_routes(msg, (self.outer, self.inner))
        wire.push_via(msg, "UDP", self.inner, wire.branch_for(msg, flow.id))
        wire.add_compat_tag(msg)
        wire.add_compat_contact(msg)
        self.counts["forwarded"] += 1
        self._to_pjsip(msg)

    # ------------------------------------------------------------------ from pjsip
    def _from_pjsip(self, data: bytes, addr: tuple[str, int]) -> None:
        if addr != self.upstream:
            return  # only pjsip talks to this socket
        try:
            msg, _ = parse(data)
        except SipSyntaxError:
            log.warning("unparseable message from pjsip dropped")
            return
        if not msg.is_request:
            flow = self._flows.get(wire.pop_our_via(msg) or -1)
            wire.strip_compat_tag(msg)
            msg.headers[:] = [(n, ALLOW if n == "allow" else v) for n, v in msg.headers]  # what we really serve
            if flow is not None and flow.alive():
                self._send(flow, wire.build(wire.start_line(msg), msg.headers, msg.body))
            return
        fid = wire.pop_our_routes(msg, (self.outer, self.inner))
        flow = self._flows.get(fid if fid is not None else -1)
        nxt = wire.first_route(msg)
        via_for = flow if flow is not None and flow.alive() and nxt is None else None
        transport = via_for.transport if via_for else "UDP"
        wire.push_via(msg, transport, self.outer, wire.branch_for(msg, flow.id if flow else 0))
        wire.strip_compat_tag(msg)
        data = wire.build(wire.start_line(msg), msg.headers, msg.body)
        if via_for is not None:
            self._send(via_for, data)
        else:
            dest = wire.uri_hostport(nxt or msg.uri)
            if dest is not None and self._public is not None:
                self._public.sendto(data, dest)

    # ------------------------------------------------------------------ TCP
    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")[:2]
        host = peer[0]
        if sum(self._conns.values()) >= self.cfg.tcp_max or self._conns.get(host, 0) >= self.cfg.tcp_per_source:
            self.counts["tcp_refused"] += 1
            writer.close()
            return
        self._conns[host] = self._conns.get(host, 0) + 1
        flow = self._new_flow("TCP", peer, writer)
        try:
            await self._read_stream(flow, reader)
        except (ConnectionError, OSError):
            pass
        finally:
            self._conns[host] -= 1
            if not self._conns[host]:
                del self._conns[host]
            self._flows.pop(flow.id, None)
            writer.close()

    async def _read_stream(self, flow: Flow, reader: asyncio.StreamReader) -> None:
        buf = b""
        while True:
            if buf.strip(b"\r\n"):
                timeout = self.cfg.tcp_partial_s
            else:
                timeout = self.cfg.tcp_call_idle_s if flow.invites else self.cfg.tcp_idle_s
            try:
                chunk = await asyncio.wait_for(reader.read(65536), timeout)
            except TimeoutError:
                self.counts["tcp_timeouts"] += 1
                return
            if not chunk:
                return
            buf += chunk
            while buf:
                if buf.startswith(b"\r\n\r\n"):  # RFC 5626 keep-alive ping: pong
                    self._send(flow, b"\r\n")
                    buf = buf[4:]
                    continue
                try:
                    msg, used = parse(buf, stream=True)
                except Incomplete:
                    if len(buf) > self.cfg.max_message:
                        self._malformed(flow, buf, SipSyntaxError("message too large", framing=True))
                        return
                    break
                except SipSyntaxError as exc:
                    self._malformed(flow, buf, exc)
                    if exc.framing or not exc.consumed:
                        self.counts["tcp_framing_closed"] += 1
                        return
                    buf = buf[exc.consumed :]
                    continue
                buf = buf[used:]
                self._outside(flow, msg)
