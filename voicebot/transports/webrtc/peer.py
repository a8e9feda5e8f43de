"""Browser calls: one `BrowserCall` per peer connection, and the `WebRtcGateway` that holds them.

Signalling is one HTTP round trip (the page POSTs its offer, gets the answer with every
candidate in it: aiortc gathers before answering). The page opens a data channel named
"control" for DTMF digits and hang-up; the gateway uses it to say "connected", "transfer"
and "hangup". The call's pipeline starts once ICE and DTLS are up, so the greeting is not
queued into a connection nobody hears yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import av
import numpy as np
import soxr
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from voicebot.clock import MonotonicClock
from voicebot.errors import InputError, TransportError
from voicebot.frames import AudioFrame, CallerHangup, Dtmf
from voicebot.transports.webrtc.agent import AGENT_RATE, AgentLeg, SipAgentBridge
from voicebot.transports.webrtc.captions import tap_dialog
from voicebot.transports.webrtc.control import WebRtcControl
from voicebot.transports.webrtc.ice import set_host_addresses
from voicebot.transports.webrtc.media import IN_RATE, BotAudioTrack, CallerAudio, WebRtcSink

if TYPE_CHECKING:
    from voicebot.dialog.plan import Dialplan
    from voicebot.gateway import Services
    from voicebot.pipeline.session import CallSession

log = logging.getLogger(__name__)
DTMF_DIGITS = set("0123456789*#")


@dataclass(frozen=True)
class WebRtcConfig:
    ice_addresses: tuple[str, ...] | None = None  # None: every host address plus 127.0.0.1
    max_calls: int = 8
    connect_timeout_s: float = 20.0
    close_grace_s: float = 0.3  # lets a last data-channel message out before the close
    agent_sip_port: int = 0  # > 0: bridge a browser caller who asks for a person to the SIP agent queue
    agent_sip_host: str = "127.0.0.1"


class BrowserCall:
    def __init__(
        self, services: Services, plan: Dialplan, config: WebRtcConfig, agents: SipAgentBridge | None = None
    ) -> None:
        self.services = services
        self.plan = plan
        self.config = config
        self.clock = MonotonicClock()
        self.sink = WebRtcSink(self.clock)
        self.agents = agents
        self.leg: AgentLeg | None = None  # the agent's SIP leg, once a person answered
        self.control = WebRtcControl(self, bridge=self._bridge if agents is not None else None)
        self.session: CallSession | None = None  # set once the connection is up
        self.call_id = uuid.uuid4().hex[:12]
        self._early: list[dict[str, Any]] = []  # captions from before the data channel opened
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.channel: Any = None
        self.connected = asyncio.Event()
        self.started = False
        self.closed = False
        self.hung_up = False  # the caller's hang-up was passed to the pipeline
        self.rx_frames = 0
        self.rx_dropped = 0
        self._readers: list[asyncio.Task[None]] = []
        self._wire()

    # ------------------------------------------------------------------ signalling
    def _wire(self) -> None:
        pc = self.pc
        pc.addTrack(BotAudioTrack(self.sink))

        @pc.on("datachannel")
        def on_datachannel(channel: Any) -> None:
            self.channel = channel
            channel.on("message", self._on_message)
            if self.started:
                self.send(self._connected())
                self._flush_captions()

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self._readers.append(asyncio.ensure_future(self._read_audio(track)))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            state = pc.connectionState
            log.info("webrtc call %s: %s", self.call_id, state)
            if state == "connected":
                self.connected.set()
            elif state in ("failed", "closed"):
                self.connected.set()  # wake a waiting run(); it sees the state
                self.caller_hangup()

    async def answer(self, sdp: str, kind: str) -> RTCSessionDescription:
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        except (ValueError, AttributeError, RuntimeError) as exc:
            raise InputError(f"unusable SDP offer: {exc}") from exc
        if not any(t.kind == "audio" for t in self.pc.getTransceivers()):
            raise InputError("the offer has no audio")
        return self.pc.localDescription

    # ------------------------------------------------------------------ the call
    async def run(self) -> None:
        """Wait for the connection, run the pipeline, record the call, close."""
        try:
            await asyncio.wait_for(self.connected.wait(), self.config.connect_timeout_s)
        except TimeoutError:
            log.warning("webrtc call %s: no connection after %.0f s", self.call_id, self.config.connect_timeout_s)
        if self.pc.connectionState != "connected":
            await self.close("not connected")
            return
        from voicebot.gateway import CallSetup, run_call

        setup = CallSetup(
            clock=self.clock, sink=self.sink, control=self.control, in_rate=IN_RATE, channel="webrtc",
            called=f"webrtc:{self.plan.name}", caller="browser", call_id=self.call_id,
            started_at=datetime.now(UTC), stats=self._stats,
        )  # fmt: skip
        end_reason = "error"
        try:
            session = await run_call(self.services, self.plan, setup, on_session=self._started)
            end_reason = session.end_reason or "done"
            if self.leg is not None:
                end_reason = await self._bridged()
        finally:
            await self.close(end_reason)

    def _started(self, session: CallSession) -> None:
        self.session = session
        tap_dialog(session.dialog, self.caption)  # live captions for the page
        self.started = True
        self.send(self._connected())
        self._flush_captions()

    def _stats(self) -> dict[str, Any]:
        dropped = self.rx_dropped + (self.session.inbox.dropped if self.session else 0)
        return {"rx_frames": self.rx_frames, "rx_dropped": dropped,
                "tx_voiced_frames": self.sink.voiced_frames_sent, "flushes": len(self.sink.flushes)}  # fmt: skip

    # ------------------------------------------------------------------ the agent bridge
    async def _bridge(self, target: str, context: dict[str, Any]) -> bool:
        """Call the agent (WebRtcControl's bridge hook); True once a person answered."""
        assert self.agents is not None
        leg = await self.agents.call(target, {**context, "call_id": self.call_id})
        if leg is None:
            return False
        self.leg = leg
        leg.on_audio = self._agent_audio
        return True

    def _agent_audio(self, pcm8k: np.ndarray) -> None:
        pcm = soxr.resample(pcm8k.astype(np.float32) / 32768.0, AGENT_RATE, self.sink.sample_rate)
        self.sink.play(np.clip(pcm * 32768.0, -32768, 32767).astype(np.int16), self.clock.now())

    async def _bridged(self) -> str:
        """The caller talks to the agent until one of them hangs up."""
        leg = self.leg
        assert leg is not None and self.agents is not None
        while not leg.ended.is_set() and self.pc.connectionState == "connected" and not self.hung_up:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(leg.ended.wait(), 0.5)
        if not leg.ended.is_set():
            await self.agents.hangup(leg)
            return "caller_hangup"
        return "agent_hangup"

    async def _read_audio(self, track: MediaStreamTrack) -> None:
        convert = CallerAudio(IN_RATE)
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                break
            self.rx_frames += 1
            if self.leg is not None and isinstance(frame, av.AudioFrame):  # bridged: to the agent
                self.leg.from_browser(convert.convert(frame))
                continue
            session = self.session
            if session is None or session.finished or not isinstance(frame, av.AudioFrame):
                continue
            pcm = convert.convert(frame)
            if not len(pcm):
                continue
            t = max(0.0, self.clock.now() - len(pcm) / IN_RATE)
            session.inbox.submit(AudioFrame(pcm, IN_RATE, t))
        self.caller_hangup()

    def _connected(self) -> dict[str, Any]:
        from voicebot.dialog.hours import describe_week

        hours = describe_week(self.plan.hours) if self.plan.hours else None
        return {"type": "connected", "call_id": self.call_id, "dialplan": self.plan.name, "kommune": self.plan.kommune,
                "hours": hours}  # fmt: skip

    def _on_message(self, message: Any) -> None:
        try:
            msg = json.loads(message)
        except (TypeError, ValueError):
            return
        kind = msg.get("type") if isinstance(msg, dict) else None
        if kind == "dtmf" and str(msg.get("digit", "")) in DTMF_DIGITS and self.started:
            self._put(Dtmf(str(msg["digit"]), self.clock.now()))
        elif kind == "hangup":
            self.caller_hangup()
        elif kind == "callback" and self.started:
            self.request_callback(str(msg.get("number", "")))

    def caption(self, message: dict[str, Any]) -> bool:
        """A caption for the page; kept until the data channel is open (the greeting comes first)."""
        self._early.append(message)
        if self.started:
            self._flush_captions()
        return not self._early

    def _flush_captions(self) -> None:
        while self._early and self.send(self._early[0]):
            self._early.pop(0)

    def request_callback(self, number: str) -> bool:
        """The page's callback form: a Danish phone number to call back when nobody could answer."""
        from voicebot.transports.webrtc.control import danish_number

        clean = danish_number(number)
        if clean is None:
            self.send({"type": "callback", "ok": False})
            return False
        if self.session is None:
            return False
        self.session.recorder.callback(clean, "transfer_failed")
        self.send({"type": "callback", "ok": True})
        return True

    def caller_hangup(self) -> None:
        if self.leg is not None:  # bridged: _bridged() sees this and hangs up the agent's leg
            self.hung_up = True
            return
        session = self.session
        if session is not None and not self.hung_up and not self.closed and not session.finished:
            self.hung_up = True
            self._put(CallerHangup(self.clock.now()))

    def _put(self, item: Any) -> None:
        if self.session is not None and not self.session.inbox.submit(item):
            log.warning("webrtc call %s: inbox full", self.call_id)

    # ------------------------------------------------------------------ Messenger
    def send(self, message: dict[str, Any]) -> bool:
        ch = self.channel
        if ch is None or ch.readyState != "open":
            return False
        ch.send(json.dumps(message, ensure_ascii=False))
        return True

    async def close(self, reason: str) -> None:
        if not self.closed and self.send({"type": "hangup", "reason": reason}):
            await asyncio.sleep(self.config.close_grace_s)
        self.closed = True
        await self.pc.close()
        for task in self._readers:
            task.cancel()
        for task in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await task


class WebRtcGateway:
    """The live browser calls of one process."""

    def __init__(self, services: Services, config: WebRtcConfig | None = None) -> None:
        self.services = services
        self.config = config or WebRtcConfig()
        self.calls: dict[str, BrowserCall] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        set_host_addresses(self.config.ice_addresses)
        port, host = self.config.agent_sip_port, self.config.agent_sip_host
        self.agents = SipAgentBridge(host, port) if port else None

    async def offer(self, sdp: str, kind: str, dialplan: str) -> dict[str, Any]:
        if kind != "offer":
            raise InputError("expected an SDP offer")
        if dialplan not in self.services.dialplans.names():
            raise InputError(f"no dialplan {dialplan!r}")
        if len(self.calls) >= self.config.max_calls:
            raise TransportError("too many browser calls")
        plan = self.services.dialplans.get(dialplan)
        call = BrowserCall(self.services, plan, self.config, self.agents)
        try:
            answer = await call.answer(sdp, kind)
        except Exception:
            await call.close("bad offer")
            raise
        self.calls[call.call_id] = call
        task = asyncio.create_task(self._run(call))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return {"sdp": answer.sdp, "type": answer.type, "call_id": call.call_id}

    async def _run(self, call: BrowserCall) -> None:
        try:
            await call.run()
        except Exception:
            log.exception("webrtc call %s failed", call.call_id)
            await call.close("error")
        finally:
            self.calls.pop(call.call_id, None)

    def hangup(self, call_id: str) -> bool:
        call = self.calls.get(call_id)
        if call is None or call.closed or (call.session is not None and call.session.finished):
            return False  # no such call, or it is already over
        call.caller_hangup()
        if not call.started:
            task = asyncio.ensure_future(call.close("caller hung up"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return True

    async def close(self) -> None:
        for call in list(self.calls.values()):
            call.caller_hangup()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5.0)
        for task in list(self._tasks):
            task.cancel()
        for call in list(self.calls.values()):
            await call.close("shutdown")
        if self.agents is not None:
            await self.agents.close()
