"""The asyncio side of the SIP transport: one `CallSession` per answered call.

INVITE → 180 → dialplan by called number → 200 → media up → session runs. Caller audio and
DTMF arrive through `loop.call_soon_threadsafe`; a remote BYE/CANCEL becomes `CallerHangup`.
When the session ends the call is hung up (after a failed transfer, the caller first hears
why); a bridged agent call stays up until one side hangs up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from voicebot.calls.calllog import dtmf_methods
from voicebot.clock import MonotonicClock
from voicebot.dialog.plan import Dialplan
from voicebot.errors import ConfigError
from voicebot.frames import AudioFrame, CallerHangup, Dtmf
from voicebot.gateway import CallSetup, Services, run_call
from voicebot.transports.sip.digest import DigestAuth
from voicebot.transports.sip.endpoint import SipConfig, SipEndpoint
from voicebot.transports.sip.guard import GuardConfig, SipGuard
from voicebot.transports.sip.limits import LimitConfig, SourceLimits
from voicebot.transports.sip.livecall import LiveCall, SipControl, SipSink

log = logging.getLogger(__name__)


class SipGateway:
    def __init__(self, services: Services, cfg: SipConfig, guard: GuardConfig | None = None,
                 limits: SourceLimits | None = None, drain_s: float = 20.0,
                 auth: DigestAuth | None = None) -> None:  # fmt: skip
        self.services = services
        self.cfg = cfg
        self.guard_cfg = guard or GuardConfig(host=cfg.host, port=cfg.port, tcp=cfg.tcp)
        self.limits = limits or SourceLimits(LimitConfig())
        self.guard: SipGuard | None = None
        self.drain_s = drain_s  # SIGTERM: calls may finish for this long, then get a BYE
        self.auth = auth
        self.drained = 0
        self.user_to_user = False
        self.trust_test_headers = False  # replay suites' X-Voicebot-Test-Id/-At (test rigs only)
        self.agent_url: Callable[[str], str] | None = None  # the console's handoff page per call id
        self.calls: dict[int, LiveCall] = {}
        self.completed = 0
        self.rejected = 0
        self.endpoint: SipEndpoint | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        if self.cfg.guarded:  # the public port first: a port in use fails here, cleanly
            self.guard = SipGuard(self.guard_cfg, self.limits, auth=self.auth)
            await self.guard.start()
        self.endpoint = SipEndpoint(self.cfg, self, self.loop)
        try:
            await self.loop.run_in_executor(None, self.endpoint.start)
        except BaseException:
            if self.guard is not None:
                await self.guard.stop()
            raise
        if self.guard is not None:
            self.guard.upstream = self.endpoint.sip_addr
        log.info("SIP listening on %s:%d (udp%s), %d calls max", self.cfg.host, self.cfg.port,
                 "+tcp" if self.cfg.tcp else "", self.cfg.max_calls)

    async def drain(self, grace_s: float) -> None:
        """Refuse new calls (503), let those in progress finish for `grace_s`, then end them with a
        BYE; each call's record is written by its own task as it ends (none is cancelled here)."""
        if self.guard is not None:
            self.guard.draining = True
        live = [c for c in self.calls.values() if c.task is not None and not c.task.done()]
        if not live:
            return
        log.info("draining %d call(s) for up to %.0f s", len(live), grace_s)
        await asyncio.wait([c.task for c in live if c.task], timeout=grace_s)
        for call in live:
            if call.task is not None and not call.task.done() and self.endpoint is not None:
                call.drained = True  # its BYE ends the session as a hang-up would
                self.drained += 1
                await self.endpoint.submit(self.endpoint.hangup, call.key, 200)
        await asyncio.wait([c.task for c in live if c.task], timeout=15.0)

    async def stop(self) -> None:
        await self.drain(self.drain_s)
        for call in list(self.calls.values()):
            if call.task is not None:
                call.task.cancel()
        await asyncio.gather(*(c.task for c in self.calls.values() if c.task), return_exceptions=True)
        if self.endpoint is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.endpoint.stop)
            self.endpoint = None
        if self.guard is not None:
            await self.guard.stop()

    def status(self) -> dict[str, Any]:
        return {
            "sip_port": self.cfg.port,
            "max_calls": self.cfg.max_calls,
            "active_calls": len(self.calls),
            "sip_legs": self.endpoint.active if self.endpoint else 0,
            "sessions_running": sum(1 for c in self.calls.values() if c.task and not c.task.done()),
            "completed": self.completed,
            "drained": self.drained,
            "refused_per_source": self.endpoint.refused_per_source if self.endpoint else 0,
            "guard": self.guard.status() if self.guard else None,
            "throttled": self.limits.throttled,
            "forbidden": self.limits.forbidden,
        }

    # ------------------------------------------------------------------ events (on the loop)
    def on_incoming(self, key: int, called: str, caller: str, test: dict[str, str]) -> None:
        clock = MonotonicClock()
        call = LiveCall(key, called, caller, clock, SipSink(clock, self.cfg.clock_rate))
        if self.trust_test_headers:
            call.test = test
        self.calls[key] = call
        assert self.endpoint is not None and self.loop is not None
        self.loop.call_later(self.cfg.answer_delay_s, self.endpoint.submit, self.endpoint.answer, key, 200)

    def on_media(self, key: int, codec: str, out: deque[bytes], tx_times: deque[float]) -> None:
        call = self.calls.get(key)
        if call is None or call.answered:
            return
        call.answered = True
        call.codec = codec
        call.sink.attach(out)
        call.tx_times = tx_times
        call.task = asyncio.get_running_loop().create_task(self._run_call(call), name=f"sip-call-{key}")
        limit = self._plan_for(call).max_call_s
        if limit:
            call.limit = asyncio.get_running_loop().create_task(self._end_when_too_long(call, limit))

    def on_audio(self, key: int, data: bytes, t_port: float | None = None) -> None:
        call = self.calls.get(key)
        if call is None or call.session is None or call.session.finished:
            return
        call.rx_frames += 1
        now = call.clock.now()
        pcm = np.frombuffer(data, dtype="<i2")
        if t_port is not None:  # trace mode
            call.rx_trace.append((t_port, time.monotonic(), float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))))
        call.session.inbox.submit(AudioFrame(pcm, self.cfg.clock_rate, now))

    def on_dtmf(self, key: int, digit: str, method: str) -> None:
        call = self.calls.get(key)
        if call is None:
            return
        call.dtmf.append((digit, method))
        if call.session is not None and not call.session.finished:
            call.session.inbox.submit(Dtmf(digit, call.clock.now()))

    def on_transfer(self, key: int, code: int, final: bool) -> None:
        call = self.calls.get(key)
        if call is None:
            return
        if code == 200:
            call.resolve("xfer_result", True)
        elif code >= 300 or final:
            call.resolve("xfer_result", False)

    def on_bridge(self, key: int, ok: bool, code: int) -> None:
        call = self.calls.get(key)
        if call is not None:
            call.resolve("bridge_result", ok)

    def on_ended(self, key: int, code: int, reason: str, stats: dict[str, Any]) -> None:
        call = self.calls.get(key)
        if call is None:  # rejected (486) or never tracked
            self.rejected += 1
            return
        call.end_code = code
        call.sip_stats = stats
        call.ended.set()
        call.resolve("xfer_result", False)
        call.resolve("bridge_result", False)
        session = call.session
        if session is not None and not session.finished and not call.local_hangup:
            why = "shutdown" if call.drained else "max_call_length" if call.too_long else "caller_hangup"
            session.inbox.submit(CallerHangup(call.clock.now(), why))
        if call.task is None:  # CANCEL or BYE before media: nothing else to clean up
            self.calls.pop(key, None)
            self.completed += 1

    # ------------------------------------------------------------------ one call
    async def _run_call(self, call: LiveCall) -> None:
        plan = self._plan_for(call)
        assert self.endpoint is not None
        control = SipControl(self.endpoint, call, self.user_to_user, self.agent_url)
        setup = CallSetup(
            clock=call.clock, sink=call.sink, control=control, in_rate=self.cfg.clock_rate, channel="sip",
            called=call.called, caller=call.caller, call_id=call.test.get("id"),
            started_at=_test_time(call.test) or datetime.now(UTC),
            stats=lambda: self._stats(call), log_extra=lambda: self._log_extra(call),
        )  # fmt: skip
        try:
            session = await run_call(self.services, plan, setup, on_session=lambda s: setattr(call, "session", s))
            if not call.bridged:
                await control.hangup(session.end_reason or "done")
            await asyncio.wait_for(call.ended.wait(), None if call.bridged else 10.0)
        except TimeoutError:
            log.error("call %s: no end of call after hang-up", call.call_id)
        finally:
            if call.limit is not None:
                call.limit.cancel()
            self.calls.pop(call.key, None)
            self.completed += 1

    async def _end_when_too_long(self, call: LiveCall, limit_s: float) -> None:
        """The dialplan's max_call_s: say its goodbye over whatever plays, then BYE."""
        await asyncio.sleep(limit_s)
        if call.task is None or call.task.done() or call.ended.is_set() or self.endpoint is None:
            return
        plan = self._plan_for(call)
        synth = await asyncio.to_thread(self.services.synthesizer, plan)  # cached since the call began
        pcm = await asyncio.to_thread(synth.synthesize, plan.messages.goodbye.text, self.cfg.clock_rate)
        now = call.clock.now()
        call.sink.flush(now)
        _start, end = call.sink.play(pcm, now)
        await asyncio.sleep(max(0.0, end - call.clock.now()) + 0.2)
        if not call.ended.is_set():
            call.too_long = True
            await self.endpoint.submit(self.endpoint.hangup, call.key, 200)

    def _plan_for(self, call: LiveCall) -> Dialplan:
        name = call.test.get("dialplan")
        if name:
            try:
                return self.services.dialplans.get(name)
            except ConfigError:
                log.warning("ignoring X-Voicebot-Test-Dialplan %r: no such dialplan", name)
        return self.services.dialplans.for_number(call.called)


    def _stats(self, call: LiveCall) -> dict[str, Any]:
        return {
            "worker_port": self.cfg.port, "codec": call.codec, "end_code": call.end_code, "rx_frames": call.rx_frames,
            "rx_dropped": call.rx_dropped + (call.session.inbox.dropped if call.session else 0),
            "flushes": call.sink.flushes, "bridged": call.bridged, **call.sip_stats,
        }  # fmt: skip

    def _log_extra(self, call: LiveCall) -> dict[str, Any]:
        extra: dict[str, Any] = {"dtmf": dtmf_methods(call.dtmf)}  # that keys were pressed, never which
        if self.cfg.trace:
            extra["trace"] = {"rx": call.rx_trace, "tx": list(call.tx_times), "flushed_at": call.sink.flushed_at}
        return extra


def _test_time(test: dict[str, str]) -> datetime | None:
    """The call time a replay suite asked for (X-Voicebot-Test-At), if any and if valid."""
    try:
        at = datetime.fromisoformat(test["at"]) if test.get("at") else None
    except ValueError:
        log.warning("ignoring X-Voicebot-Test-At %r: not ISO 8601", test["at"])
        return None
    return at if at is None or at.tzinfo else at.replace(tzinfo=UTC)
