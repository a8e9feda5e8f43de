"""One answered SIP call on the asyncio side: its audio sink, its call control, and its state.

`SipSink` (the shared `FramedSink`) queues 20 ms PCM16 frames into the media port's deque,
drained by the conference clock thread; `flush` clears it at once, which is the barge-in cut. `SipControl` turns the
pipeline's transfer and hang-up into owner-thread commands and waits for their outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicebot.clock import MonotonicClock
from voicebot.errors import TransportError
from voicebot.transports.framed import FramedSink, pcm16_bytes
from voicebot.transports.sip.headers import handover_headers

if TYPE_CHECKING:
    from voicebot.pipeline.session import CallSession
    from voicebot.transports.sip.endpoint import SipEndpoint

log = logging.getLogger(__name__)
REFER_TIMEOUT_S = 10.0
BRIDGE_TIMEOUT_S = 30.0


class SipSink(FramedSink):
    """20 ms PCM16 frames as bytes, for the media port's deque (see `attach`)."""

    def __init__(self, clock: MonotonicClock, sample_rate: int = 8000) -> None:
        super().__init__(clock, sample_rate, encode=pcm16_bytes)


@dataclass
class LiveCall:
    key: int
    called: str
    caller: str
    clock: MonotonicClock
    sink: SipSink
    session: CallSession | None = None
    task: asyncio.Task[Any] | None = None
    codec: str = ""
    answered: bool = False
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    end_code: int = 0
    sip_stats: dict[str, Any] = field(default_factory=dict)
    rx_frames: int = 0
    rx_dropped: int = 0
    dtmf: list[tuple[str, str]] = field(default_factory=list)
    xfer_result: asyncio.Future[bool] | None = None
    bridge_result: asyncio.Future[bool] | None = None
    bridged: bool = False
    local_hangup: bool = False  # we sent the BYE: its end is not the caller hanging up
    drained: bool = False  # ended by a shutdown drain
    too_long: bool = False  # ended at the dialplan's max_call_s
    limit: asyncio.Task[Any] | None = None  # the max_call_s timer
    test: dict[str, str] = field(default_factory=dict)  # X-Voicebot-Test-* headers, if trusted
    tx_times: deque[float] = field(default_factory=deque)  # bot frames handed to pjsua2 (trace mode)
    rx_trace: list[tuple[float, float, float]] = field(default_factory=list)  # (port, loop, rms), trace mode

    @property
    def call_id(self) -> str:
        return self.session.record.call_id if self.session else ""

    def resolve(self, which: str, value: bool) -> None:
        fut = getattr(self, which)
        if fut is not None and not fut.done():
            fut.set_result(value)


class SipControl:
    def __init__(
        self, endpoint: SipEndpoint, call: LiveCall, user_to_user: bool = False,
        agent_url: Callable[[str], str] | None = None,
    ) -> None:  # fmt: skip
        self.ep = endpoint
        self.call = call
        self.user_to_user = user_to_user
        self.agent_url = agent_url  # call id -> the agent's handoff page (X-Voicebot-Url)
        self.via = ""

    async def transfer(self, target: str, context: dict[str, Any]) -> bool:
        call = self.call
        ctx = {**context, "call_id": call.call_id}
        if self.agent_url is not None:
            ctx["agent_url"] = self.agent_url(call.call_id)
        headers = handover_headers(ctx, self.user_to_user)
        if await self._refer(target, headers):
            self.via = "refer"
            await self.hangup("transferred")
            return True
        log.warning("call %s: REFER to agent failed; bridging a new call", call.call_id)
        if await self._bridge(target, headers):
            self.via = "bridge"
            call.bridged = True
            return True
        log.error("call %s: agent leg failed too", call.call_id)
        return False

    async def _refer(self, target: str, headers: list[tuple[str, str]]) -> bool:
        call = self.call
        if call.ended.is_set():
            return False
        call.xfer_result = asyncio.get_running_loop().create_future()
        try:
            if not await self.ep.submit(self.ep.xfer, call.key, target, headers):
                return False
            return await asyncio.wait_for(call.xfer_result, REFER_TIMEOUT_S)
        except (TransportError, TimeoutError):
            return False

    async def _bridge(self, target: str, headers: list[tuple[str, str]]) -> bool:
        call = self.call
        if call.ended.is_set():
            return False
        call.bridge_result = asyncio.get_running_loop().create_future()
        try:
            if not await self.ep.submit(self.ep.bridge, call.key, target, headers):
                return False
            return await asyncio.wait_for(call.bridge_result, BRIDGE_TIMEOUT_S)
        except (TransportError, TimeoutError):
            await self.ep.submit(self.ep.drop_agent, call.key)
            return False

    async def hangup(self, reason: str) -> None:
        if self.call.ended.is_set():
            return
        self.call.local_hangup = True
        try:
            await self.ep.submit(self.ep.hangup, self.call.key, 200)
        except TransportError as exc:
            log.warning("call %s: hangup failed: %s", self.call.call_id, exc)
