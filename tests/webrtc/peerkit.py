"""A Python WebRTC caller for tests: an aiortc peer that speaks PCM and measures what it hears."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import av
import httpx
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

RATE = 48000
FRAME = 960  # 20 ms
VOICED_RMS = 300.0


READER_TOKEN = "webrtc-test-reader"  # a viewer token: call records are behind the API's auth
API_HEADERS = {"Authorization": f"Bearer {READER_TOKEN}"}


@dataclass
class Server:
    """The gateway under test: its base URL and its in-process services."""

    url: str
    services: Any


class CallerTrack(MediaStreamTrack):
    """Microphone stand-in: queued speech, else silence, paced at 20 ms."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.queue: deque[np.ndarray] = deque()
        self._pts = 0
        self._t0: float | None = None

    def say(self, pcm: np.ndarray) -> float:
        """Queue speech; return its duration in seconds."""
        pad = (-len(pcm)) % FRAME
        pcm = np.concatenate([pcm.astype(np.int16), np.zeros(pad, np.int16)])
        self.queue.extend(pcm[i : i + FRAME] for i in range(0, len(pcm), FRAME))
        return len(pcm) / RATE

    async def recv(self) -> av.AudioFrame:
        if self._t0 is None:
            self._t0 = time.monotonic()
        else:
            self._pts += FRAME
            await asyncio.sleep(max(0.0, self._t0 + self._pts / RATE - time.monotonic()))
        pcm = self.queue.popleft() if self.queue else np.zeros(FRAME, np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, self._pts, fractions.Fraction(1, RATE)
        return frame


class Caller:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.pc = RTCPeerConnection()
        self.mic = CallerTrack()
        self.pc.addTrack(self.mic)
        self.channel = self.pc.createDataChannel("control")
        self.messages: list[dict[str, Any]] = []
        self.got_message = asyncio.Event()
        self.heard: list[tuple[float, float]] = []  # (monotonic time, rms) per received frame
        self.call_id = ""
        self._reader: asyncio.Task[None] | None = None

        @self.channel.on("message")
        def on_message(message: str) -> None:
            self.messages.append(json.loads(message))
            self.got_message.set()

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._reader = asyncio.ensure_future(self._listen(track))

    async def _listen(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            pcm = frame.to_ndarray().astype(np.float64)
            self.heard.append((time.monotonic(), float(np.sqrt(np.mean(pcm**2)))))

    async def dial(self, dialplan: str = "default") -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            body = {"sdp": offer.sdp, "type": offer.type, "dialplan": dialplan}
            res = await http.post("/api/webrtc/offer", json=body)
        res.raise_for_status()
        answer = res.json()
        self.call_id = answer["call_id"]
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    async def wait_message(self, kind: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.messages:
                if msg.get("type") == kind:
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kind!r} message; got {self.messages}")
            self.got_message.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.got_message.wait(), left)

    def voiced_since(self, t: float) -> int:
        return sum(1 for when, rms in self.heard if when >= t and rms > VOICED_RMS)

    async def wait_bot_turn(self, since: float, timeout: float, quiet_s: float = 1.0) -> float:
        """Wait until the bot spoke after `since` and then went quiet for `quiet_s`; return its energy peak."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            voiced = [(w, r) for w, r in self.heard if w >= since and r > VOICED_RMS]
            if voiced and time.monotonic() - voiced[-1][0] >= quiet_s:
                return max(r for _w, r in voiced)
            await asyncio.sleep(0.1)
        raise TimeoutError(f"no bot speech (then quiet) within {timeout} s; frames heard: {len(self.heard)}")

    async def hang_up(self) -> None:
        if self.channel.readyState == "open":
            self.channel.send(json.dumps({"type": "hangup"}))
            await asyncio.sleep(0.3)
        await self.pc.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
