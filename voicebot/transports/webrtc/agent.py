"""Bridging a browser caller to a human agent's SIP phone.

A browser cannot be REFERred, so when a browser caller asks for a person the gateway calls the
agent's queue URI over SIP (pjsua2, on its own owner thread: voicebot/transports/sip/endpoint.py)
with the same `X-Voicebot-*` context headers as a SIP transfer, and when the agent answers, the
browser's audio goes to the agent and the agent's audio to the browser until one side hangs up.
Only then is the caller told "Du er stillet videre".

`SipAgentBridge` is the asyncio side of that SIP endpoint (it implements `SipEvents`); an
`AgentLeg` is one answered agent call. Audio: the browser leg is 16 kHz in and 48 kHz out, the
agent leg 8 kHz PCM16 in 20 ms frames.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import soxr

from voicebot.errors import TransportError
from voicebot.transports.sip.endpoint import SipConfig, SipEndpoint
from voicebot.transports.sip.headers import handover_headers

log = logging.getLogger(__name__)
AGENT_RATE = 8000
FRAME = AGENT_RATE // 50  # 20 ms


@dataclass
class AgentLeg:
    key: int
    out: deque[bytes] = field(default_factory=deque)  # browser → agent, 20 ms PCM16 frames at 8 kHz
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    on_audio: Callable[[np.ndarray], None] | None = None  # agent → browser (8 kHz PCM16)
    _rest: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))

    def from_browser(self, pcm16k: np.ndarray) -> None:
        """Browser audio (16 kHz) to the agent, cut into 20 ms frames at 8 kHz."""
        pcm = soxr.resample(pcm16k.astype(np.float32) / 32768.0, 16000, AGENT_RATE)
        pcm8 = np.concatenate([self._rest, np.clip(pcm * 32768.0, -32768, 32767).astype(np.int16)])
        n = len(pcm8) // FRAME * FRAME
        for i in range(0, n, FRAME):
            if len(self.out) < 50:  # at most 1 s queued: a stalled agent leg must not grow memory
                self.out.append(pcm8[i : i + FRAME].astype("<i2").tobytes())
        self._rest = pcm8[n:]


class SipAgentBridge:
    """Dials agents for browser calls; one SIP endpoint per process, started on first use."""

    def __init__(self, host: str, port: int, answer_timeout_s: float = 15.0) -> None:
        self.cfg = SipConfig(host=host, port=port, tcp=False, max_calls=4)
        self.answer_timeout_s = answer_timeout_s
        self.endpoint: SipEndpoint | None = None
        self.legs: dict[int, AgentLeg] = {}
        self._lock = asyncio.Lock()

    async def _ready(self) -> SipEndpoint:
        async with self._lock:
            if self.endpoint is None:
                endpoint = SipEndpoint(self.cfg, self, asyncio.get_running_loop())
                await asyncio.to_thread(endpoint.start)
                self.endpoint = endpoint
            return self.endpoint

    async def call(self, target: str, context: dict[str, Any]) -> AgentLeg | None:
        """Call the agent; the answered leg, or None when nobody answered in time."""
        endpoint = await self._ready()
        try:
            key = await endpoint.submit(endpoint.dial, target, handover_headers(context))
        except TransportError as exc:
            log.warning("agent call to the queue failed: %s", exc)
            return None
        leg = self.legs.setdefault(key, AgentLeg(key))
        waits = [asyncio.ensure_future(leg.answered.wait()), asyncio.ensure_future(leg.ended.wait())]
        await asyncio.wait(waits, timeout=self.answer_timeout_s, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()
        if leg.answered.is_set() and not leg.ended.is_set():
            return leg
        await self.hangup(leg)
        return None

    async def hangup(self, leg: AgentLeg) -> None:
        if self.endpoint is not None and not leg.ended.is_set():
            await self.endpoint.submit(self.endpoint.hangup, leg.key, 603 if not leg.answered.is_set() else 200)

    async def close(self) -> None:
        if self.endpoint is not None:
            endpoint, self.endpoint = self.endpoint, None
            await asyncio.to_thread(endpoint.stop)

    # ------------------------------------------------------------------ SipEvents (on the loop)
    def on_incoming(self, key: int, called: str, caller: str, test: dict[str, str]) -> None:
        if self.endpoint is not None:  # this endpoint only calls out
            self.endpoint.submit(self.endpoint.hangup, key, 403)

    def on_media(self, key: int, codec: str, out: deque[bytes], tx_times: deque[float]) -> None:
        leg = self.legs.setdefault(key, AgentLeg(key))
        out.extend(leg.out)
        leg.out = out  # the media port reads this deque on its clock thread
        leg.answered.set()

    def on_audio(self, key: int, data: bytes, t_port: float | None = None) -> None:
        leg = self.legs.get(key)
        if leg is not None and leg.on_audio is not None:
            leg.on_audio(np.frombuffer(data, dtype="<i2"))

    def on_dtmf(self, key: int, digit: str, method: str) -> None:
        pass

    def on_transfer(self, key: int, code: int, final: bool) -> None:
        pass

    def on_bridge(self, key: int, ok: bool, code: int) -> None:
        pass

    def on_ended(self, key: int, code: int, reason: str, stats: dict[str, Any]) -> None:
        leg = self.legs.pop(key, None) or AgentLeg(key)
        leg.ended.set()
