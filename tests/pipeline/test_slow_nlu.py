"""A slow remote NLU must not stall other calls: it runs off the event loop, once per turn.

Two live calls (real-time clock) in one process share a real HTTP NLU on loopback that takes
2 s to answer. While call A waits for it, call B's caller talks over B's greeting: B's bot must
stop within 100 ms and B's audio must have come out frame after frame until then.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar

import numpy as np
from httpkit import JsonHandler

from voicebot.asr.base import AsrResult
from voicebot.clock import MonotonicClock
from voicebot.dialog.plan import Dialplan
from voicebot.frames import AudioFrame, CallerHangup
from voicebot.gateway import create_session
from voicebot.intent.knowledge import KnowledgeBase
from voicebot.intent.remote import RemoteIntentEngine
from voicebot.transports.framed import FramedSink

RATE = 8000
STEP = RATE // 50
NLU_DELAY_S = 2.0


class SlowNlu(JsonHandler):
    started: ClassVar[list[float]] = []  # when each request came in (monotonic)

    def do_POST(self) -> None:
        self.read_json()
        type(self).started.append(time.monotonic())
        time.sleep(NLU_DELAY_S)
        self.reply({"intent": {"name": "pas", "confidence": 0.9}})


class Scripted:
    name = voice = "scripted"

    def __init__(self, text: str) -> None:
        self.text = text

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None, cancel: object = None) -> AsrResult:
        return AsrResult(self.text, 0.9)

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        t = np.arange(int(0.06 * len(text) * sample_rate)) / sample_rate
        return (3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)


@dataclass
class OneCallServices:
    intent_engine: Any
    asr: Scripted
    settings: Any = None
    calls: Any = None
    call_log: Any = None
    extra: dict = field(default_factory=dict)

    def recognizer(self, plan: object = None) -> Scripted:
        return self.asr

    def synthesizer(self, plan: object = None) -> Scripted:
        return self.asr


def voice(n: int) -> np.ndarray:
    t = np.arange(n) / RATE
    return (8000 * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 540 * t))).astype(np.int16)


class Control:
    async def transfer(self, target: str, context: dict) -> bool:
        return True

    async def hangup(self, reason: str) -> None:
        pass


async def drive(session: Any, sink: FramedSink, clock: MonotonicClock, speech: tuple[float, float], until: float,
                log: dict[str, Any]) -> None:  # fmt: skip
    """The media clock of one call: every 20 ms one bot frame out and one caller frame in.

    Times are checked against the schedule, not against when this loop got to run: a stalled
    event loop shows up as late frames and a late cut."""
    t0 = log["t0"] = time.monotonic()
    log["speech_at"] = t0 + speech[0]
    i = 0
    while i * 0.02 < until and not session.finished:
        t = i * 0.02
        talking = speech[0] <= t < speech[0] + speech[1]
        out = sink.next_frame()
        if t < speech[0]:
            log["frames"].append((t, time.monotonic() - t0 - t, out is not None))
        session.inbox.submit(AudioFrame(voice(STEP) if talking else np.zeros(STEP, np.int16), RATE, clock.now()))
        i += 1
        await asyncio.sleep(max(0.0, (i * 0.02) - (time.monotonic() - t0)))
    session.inbox.submit(CallerHangup(clock.now()))


async def test_a_slow_remote_nlu_does_not_stall_another_call() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowNlu)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    engine = RemoteIntentEngine(f"http://127.0.0.1:{server.server_address[1]}/model/parse", kb=KnowledgeBase.load(),
                                timeout_s=5.0)  # fmt: skip
    plan = Dialplan(greeting="Goddag. Du har ringet til kommunen, og jeg er en automatisk assistent. Hvad vil du?")
    try:
        calls = []
        for text in ("hvad koster et pas", "hvad koster et pas"):
            clock = MonotonicClock()
            sink = FramedSink(clock, RATE)
            services = OneCallServices(engine, Scripted(text))
            session = create_session(services, plan, clock=clock, sink=sink, control=Control(), in_rate=RATE)  # type: ignore[arg-type]
            calls.append((session, sink, clock, asyncio.create_task(session.run())))
        log_a: dict[str, Any] = {"frames": []}
        log_b: dict[str, Any] = {"frames": []}
        (a, sink_a, clock_a, run_a), (b, sink_b, clock_b, run_b) = calls
        # A asks at once (its NLU call then takes 2 s); B talks over its greeting 1.8 s in.
        await asyncio.gather(
            drive(a, sink_a, clock_a, (0.1, 0.8), 4.0, log_a),
            drive(b, sink_b, clock_b, (1.8, 0.8), 4.5, log_b),
        )
        await asyncio.gather(run_a, run_b)
    finally:
        server.shutdown()
        engine.close()
    # call A really was waiting for the slow NLU when B's caller spoke
    assert any(t <= log_b["speech_at"] <= t + NLU_DELAY_S - 0.3 for t in SlowNlu.started), SlowNlu.started
    cut = [f for f in sink_b.flushed_at if f >= log_b["speech_at"]]
    assert cut, "call B's bot never stopped for its caller"
    assert (cut[0] - log_b["speech_at"]) * 1000 < 100
    assert log_b["frames"][-1][2], "call B's greeting was not playing when its caller spoke"
    # while A waited, B's audio went out on time (a stalled loop would hold it back for ~2 s)
    waiting = [late for t, late, sent in log_b["frames"] if sent and log_b["t0"] + t >= SlowNlu.started[0]]
    assert waiting and max(waiting) < 0.25, "call B's audio frames came late: its loop stalled"
