"""pjsua2 on one owner thread (DESIGN.md §4).

The owner thread creates the library (`threadCnt=0`, `mainThreadOnly`), loops
`libHandleEvents(10)`, runs commands that asyncio posts through a `queue.SimpleQueue`,
and deletes finished calls outside their callbacks. Events go to asyncio with
`loop.call_soon_threadsafe`. No other thread may call pjsua2.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pjsua2 as pj

from voicebot.errors import TransportError
from voicebot.transports.sip.media import CallPort
from voicebot.transports.sip.pjcalls import AgentCall, BotAccount, BotCall, _tx_headers, free_now
from voicebot.transports.sip.pjlog import PjLog, configure_log

log = logging.getLogger(__name__)
# Offered, in this order; others are disabled. The conference bridge and the media port run at
# 8 kHz, so G.722 would reach the recogniser as narrowband anyway: it is not offered.
CODECS = ("PCMU/8000", "PCMA/8000")
SLOTS_PER_PROCESS = 4  # PJSUA_MAX_CALLS of the PyPI wheel


@dataclass(frozen=True)
class SipConfig:
    host: str = "127.0.0.1"
    port: int = 5060
    max_calls: int = SLOTS_PER_PROCESS
    tcp: bool = True
    user_agent: str = "voicebot"
    clock_rate: int = 8000
    log_level: int = 1
    jitter_ms: int = 40  # jitter-buffer prefetch; raise it for lossy WAN links (Settings.sip_jitter_ms)
    rtp_port: int = 0  # first RTP port; 0 = derived from the SIP port
    answer_delay_s: float = 0.0  # ring this long before answering (lets a CANCEL arrive)
    trace: bool = False  # barge-in timing trace (bench/barge_in.py): per-frame times into the call log
    # behind the guard (guard.py): pjsip listens on a loopback UDP port of its own and only the guard
    # talks to it; the public SIP port, TCP included, belongs to the guard
    guarded: bool = True
    slots_per_source: int = 0  # calls one source address may hold; 0 = max_calls


class SipEvents(Protocol):
    """The asyncio side. Every method is called on the event loop."""

    def on_incoming(self, key: int, called: str, caller: str, test: dict[str, str]) -> None: ...
    def on_media(self, key: int, codec: str, out: deque[bytes], tx_times: deque[float]) -> None: ...
    def on_audio(self, key: int, data: bytes, t_port: float | None = None) -> None: ...
    def on_dtmf(self, key: int, digit: str, method: str) -> None: ...
    def on_transfer(self, key: int, code: int, final: bool) -> None: ...
    def on_bridge(self, key: int, ok: bool, code: int) -> None: ...
    def on_ended(self, key: int, code: int, reason: str, stats: dict[str, Any]) -> None: ...


class SipEndpoint:
    def __init__(self, cfg: SipConfig, events: SipEvents, loop: asyncio.AbstractEventLoop) -> None:
        self.cfg = cfg
        self.events = events
        self.loop = loop
        self._cmds: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any] | None]]
        self._cmds = queue.SimpleQueue()
        self._calls: dict[int, BotCall] = {}
        self._rejecting: dict[int, BotCall] = {}  # answered 486, not yet ended (no ACK yet, over UDP)
        self._dead: list[pj.Call] = []
        self._agents: list[AgentCall] = []
        self._seq = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sip-owner", daemon=True)
        self.ep: pj.Endpoint | None = None
        self.acc: BotAccount | None = None
        self.sip_addr: tuple[str, int] = (cfg.host, cfg.port)  # where pjsip itself listens
        self._sources: dict[int, str] = {}  # call key -> source address (from the guard)
        self._logw = PjLog()
        self.refused_per_source = 0

    # ------------------------------------------------------------------ asyncio side
    def start(self, timeout: float = 15.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TransportError("SIP stack did not start in time")
        if self._error is not None:
            raise TransportError(f"SIP stack failed to start on {self.cfg.host}:{self.cfg.port}: {self._error}")

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = self.loop.create_future()
        self._cmds.put((fn, args, fut))
        return fut

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @property
    def active(self) -> int:
        return len(self._calls)

    # ------------------------------------------------------------------ owner thread
    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
            self.loop.call_soon_threadsafe(fn, *args)

    def _run(self) -> None:
        try:
            self._lib_start()
        except Exception as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        ep = self.ep
        assert ep is not None
        try:
            while not self._stop.is_set():
                self._run_commands()
                ep.libHandleEvents(10)
                self._reap()
        finally:
            self._lib_stop()

    def _lib_start(self) -> None:
        cfg = self.cfg
        ep = pj.Endpoint()
        ep.libCreate()
        self.ep = ep
        epc = pj.EpConfig()
        epc.uaConfig.threadCnt = 0
        epc.uaConfig.mainThreadOnly = True
        epc.uaConfig.maxCalls = max(cfg.max_calls, SLOTS_PER_PROCESS)  # > 4 needs a pjproject source build
        epc.uaConfig.userAgent = cfg.user_agent
        epc.medConfig.clockRate = cfg.clock_rate
        epc.medConfig.sndClockRate = cfg.clock_rate
        epc.medConfig.noVad = True
        epc.medConfig.ecTailLen = 0
        # A small jitter buffer: every 20 ms it holds is 20 ms more before barge-in can cut.
        epc.medConfig.jbInit = cfg.jitter_ms
        epc.medConfig.jbMinPre = cfg.jitter_ms
        epc.medConfig.jbMaxPre = max(cfg.jitter_ms * 4, 80)
        configure_log(epc.logConfig, self._logw, cfg.log_level)
        ep.libInit(epc)
        tc = pj.TransportConfig()
        tc.port = 0 if cfg.guarded else cfg.port
        tc.boundAddress = "127.0.0.1" if cfg.guarded else cfg.host
        tid = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tc)
        host, _, port = ep.transportGetInfo(tid).localName.rpartition(":")
        self.sip_addr = (host, int(port))
        if cfg.tcp and not cfg.guarded:
            ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, tc)
        ep.audDevManager().setNullDev()
        for info in ep.codecEnum2():
            ep.codecSetPriority(info.codecId, 0)
        for i, cid in enumerate(CODECS):
            ep.codecSetPriority(cid, 255 - i)
        ep.libStart()
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:voicebot@{cfg.host}:{cfg.port}"
        acfg.mediaConfig.transportConfig.boundAddress = cfg.host
        acfg.mediaConfig.transportConfig.port = cfg.rtp_port or rtp_base(cfg.port)
        acfg.mediaConfig.transportConfig.portRange = 1000
        self.acc = BotAccount(self)
        self.acc.create(acfg, True)

    def _run_commands(self) -> None:
        while True:
            try:
                fn, args, fut = self._cmds.get_nowait()
            except queue.Empty:
                return
            try:
                result = fn(*args)
            except pj.Error as exc:
                err = TransportError(f"{fn.__name__}: {exc.info()}")
                err.__cause__ = exc
                if fut is not None:
                    self._post(_set_exception, fut, err)
            except Exception as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                if fut is not None:
                    self._post(_set_exception, fut, exc)
            else:
                if fut is not None:
                    self._post(_set_result, fut, result)

    def _reap(self) -> None:
        """Free finished calls here, on the owner thread: each one's C++ objects (media port, audio
        media, the call) are deleted explicitly (`free_now`), so no Python reference left over, in a
        cycle or in a traceback, can later free them from another thread."""
        if self._dead:
            # pjsua reuses call ids at once, and a pjsua2 Call's destructor hangs up whatever call holds
            # its id then: keep a finished object while a live call has its id (a flood hung up new calls)
            holders: list[pj.Call] = [*self._calls.values(), *self._rejecting.values(), *self._agents]
            live = {c.getId() for c in holders}
            dead = [c for c in self._dead if c.getId() not in live]
            self._dead = [c for c in self._dead if c.getId() in live]
            for call in dead:
                _free_call(call)

    def _lib_stop(self) -> None:
        ep = self.ep
        if ep is None:
            return
        try:
            ep.hangupAllCalls()
            for _ in range(100):
                if not self._calls and not self._agents and not self._rejecting:
                    break
                ep.libHandleEvents(10)
                self._reap()
        except pj.Error:
            pass
        for call in [*self._calls.values(), *self._rejecting.values(), *self._agents, *self._dead]:
            _free_call(call)
        self._calls.clear()
        self._rejecting.clear()
        self._agents.clear()
        self._dead.clear()
        if self.acc is not None:
            self.acc.shutdown()
            free_now(self.acc)
            self.acc = None
        gc.collect()  # whatever is left holds no pjsua2 object that is still alive
        ep.libDestroy()
        self.ep = None

    # ------------------------------------------------------------------ callbacks (owner thread)
    def incoming(self, call: BotCall, called: str, caller: str, test: dict[str, str] | None = None,
                 source: str = "") -> None:  # fmt: skip
        self._seq += 1
        call.key = self._seq
        per_source = self.cfg.slots_per_source or self.cfg.max_calls
        held = sum(1 for k in self._calls if self._sources.get(k) == source) if source else 0
        if len(self._calls) >= self.cfg.max_calls or held >= per_source:
            if len(self._calls) < self.cfg.max_calls:
                self.refused_per_source += 1
            self._rejecting[call.key] = call  # kept alive until pjsua ends it; holds no slot
            # not from inside onIncomingCall: for an INVITE without SDP, pjsua 2.15 frees the cloned
            # request twice (assertion in pjsip_rx_data_free_cloned) when it is answered there
            self._cmds.put((self._reject, (call, 486), None))
            return
        self._calls[call.key] = call
        self._sources[call.key] = source
        call.answer(_op(180))
        self._post(self.events.on_incoming, call.key, called, caller, test or {})

    def _reject(self, call: BotCall, code: int) -> None:
        if not call.gone:
            with contextlib.suppress(pj.Error):  # the caller gave up (CANCEL) before we answered
                call.answer(_op(code))

    def new_port(self, call: BotCall) -> CallPort:
        key, on_audio, post = call.key, self.events.on_audio, self._post
        port = CallPort(self.cfg.clock_rate, lambda data, *t: post(on_audio, key, data, *t), self.cfg.trace)
        port.open(f"call{key}")
        return port

    def media_up(self, call: BotCall) -> None:
        assert call.port is not None
        self._post(self.events.on_media, call.key, call.codec, call.port.out, call.port.tx_times)

    def dtmf(self, call: BotCall, digit: str, method: str) -> None:
        self._post(self.events.on_dtmf, call.key, digit, method)

    def transfer_status(self, call: BotCall, code: int, final: bool, reason: str) -> None:
        self._post(self.events.on_transfer, call.key, code, final)

    def ended(self, call: BotCall, code: int, reason: str) -> None:
        self._calls.pop(call.key, None)
        self._rejecting.pop(call.key, None)
        self._sources.pop(call.key, None)
        self._dead.append(call)
        if call.agent is not None and not call.agent.gone:
            call.agent.hangup(_op(200))
        self._post(self.events.on_ended, call.key, code, reason, dict(call.stats))

    def agent_state(self, agent: AgentCall, up: bool, code: int) -> None:
        caller = agent.caller
        if up:
            self._post(self.events.on_bridge, caller.key, True, code)
            return
        if agent in self._agents:
            self._agents.remove(agent)
        self._dead.append(agent)
        if not agent.confirmed:
            caller.agent = None
            self._post(self.events.on_bridge, caller.key, False, code)
        elif not caller.gone:
            caller.hangup(_op(200))

    def connect(self, a: pj.AudioMedia, b: pj.AudioMedia) -> None:
        a.startTransmit(b)
        b.startTransmit(a)

    # ------------------------------------------------------------------ commands (run via submit)
    def answer(self, key: int, code: int = 200) -> bool:
        call = self._calls.get(key)
        if call is None or call.gone:
            return False
        call.answer(_op(code))
        return True

    def hangup(self, key: int, code: int = 200) -> bool:
        call = self._calls.get(key)
        if call is None or call.gone:
            return False
        call.hangup(_op(code))
        return True

    def xfer(self, key: int, uri: str, headers: list[tuple[str, str]]) -> bool:
        call = self._calls.get(key)
        if call is None or call.gone:
            return False
        prm = pj.CallOpParam(True)
        _tx_headers(prm, headers)
        call.xfer(uri, prm)
        return True

    def bridge(self, key: int, uri: str, headers: list[tuple[str, str]]) -> bool:
        call = self._calls.get(key)
        if call is None or call.gone or self.acc is None:
            return False
        agent = AgentCall(self.acc, self, call)
        call.agent = agent
        self._agents.append(agent)
        try:
            agent.dial(uri, headers)
        except pj.Error:
            call.agent = None
            self._agents.remove(agent)
            self._dead.append(agent)
            raise
        return True

    def dial(self, uri: str, headers: list[tuple[str, str]]) -> int:
        """An outgoing call whose far end is treated like a caller: its audio comes through
        `on_media`/`on_audio` and its end through `on_ended` (a browser call's agent leg)."""
        if self.acc is None:
            raise TransportError("SIP stack not started")
        self._seq += 1
        call = BotCall(self.acc, self)
        call.key = self._seq
        self._calls[call.key] = call
        prm = pj.CallOpParam(True)
        _tx_headers(prm, headers)
        try:
            call.makeCall(uri, prm)
        except pj.Error:
            self._calls.pop(call.key, None)
            self._dead.append(call)
            raise
        return call.key

    def drop_agent(self, key: int) -> bool:
        call = self._calls.get(key)
        agent = None if call is None else call.agent
        if agent is None or agent.gone:
            return False
        agent.hangup(_op(487))
        return True


def _free_call(call: BotCall | AgentCall) -> None:
    """Delete a finished call's C++ objects and break the caller/agent links (owner thread)."""
    if isinstance(call, BotCall):
        port, call.port = call.port, None
        if port is not None:
            port.active = False
            free_now(port)
        if call.agent is not None and call.agent.gone:
            call.agent = None
    elif call.caller.gone:
        call.caller.agent = None
    aud, call.aud = call.aud, None
    free_now(aud)
    free_now(call)


def rtp_base(sip_port: int) -> int:
    """An even RTP base port derived from the SIP port, so workers on consecutive ports don't collide."""
    return 16384 + (sip_port * 16) % 32768


def _op(code: int) -> pj.CallOpParam:
    prm = pj.CallOpParam()
    prm.statusCode = code
    return prm


def _set_result(fut: asyncio.Future[Any], value: Any) -> None:
    if not fut.done():
        fut.set_result(value)


def _set_exception(fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)
