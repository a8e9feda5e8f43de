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
from datetime import UTC, datetime
from typing import Any

import numpy as np

from voicebot.clock import MonotonicClock
from voicebot.dialog.plan import Dialplan
from voicebot.errors import ConfigError
from voicebot.frames import AudioFrame, CallerHangup, Dtmf
from voicebot.gateway import CallSetup, Services, run_call
from voicebot.transports.sip.endpoint import SipConfig, SipEndpoint
from voicebot.transports.sip.livecall import LiveCall, SipControl, SipSink

log = logging.getLogger(__name__)


class SipGateway:
    def __init__(self, services: Services, cfg: SipConfig) -> None:
        self.services = services
        self.cfg = cfg
        self.user_to_user = False
        self.trust_test_headers = False  # replay suites' X-Voicebot-Test-Id/-At (test rigs only)
        self.calls: dict[int, LiveCall] = {}
        self.completed = 0
        self.rejected = 0
        self.endpoint: SipEndpoint | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.endpoint = SipEndpoint(self.cfg, self, self.loop)
        await self.loop.run_in_executor(None, self.endpoint.start)
        log.info("SIP listening on %s:%d (udp%s), %d calls max", self.cfg.host, self.cfg.port,
                 "+tcp" if self.cfg.tcp else "", self.cfg.max_calls)

    async def stop(self) -> None:
        for call in list(self.calls.values()):
            if call.task is not None:
                call.task.cancel()
        await asyncio.gather(*(c.task for c in self.calls.values() if c.task), return_exceptions=True)
        if self.endpoint is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.endpoint.stop)
            self.endpoint = None

    def status(self) -> dict[str, Any]:
        return {
            "sip_port": self.cfg.port,
            "max_calls": self.cfg.max_calls,
            "active_calls": len(self.calls),
            "sip_legs": self.endpoint.active if self.endpoint else 0,
            "sessions_running": sum(1 for c in self.calls.values() if c.task and not c.task.done()),
            "completed": self.completed,
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
            session.inbox.submit(CallerHangup(call.clock.now()))
        if call.task is None:  # CANCEL or BYE before media: nothing else to clean up
            self.calls.pop(key, None)
            self.completed += 1

    # ------------------------------------------------------------------ one call
    async def _run_call(self, call: LiveCall) -> None:
        plan = self._plan_for(call)
        assert self.endpoint is not None
        control = SipControl(self.endpoint, call, self.user_to_user)
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
            self.calls.pop(call.key, None)
            self.completed += 1

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
        extra: dict[str, Any] = {"dtmf": call.dtmf}
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
