"""Engine faults inside a call: a recogniser that stalls past its timeout and a synthesiser that
fails both end in a technical transfer, never in silence; a failed synthesis first plays the
shipped fallback recording. A remote NLU that breaks or dies does the same, and its breaker opens
so that later calls do not wait on it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
from httpkit import JsonHandler

from voicebot.asr.base import AsrResult
from voicebot.dialog.plan import Dialplan
from voicebot.errors import EngineError
from voicebot.intent.keywords import KeywordIntentEngine
from voicebot.intent.knowledge import KnowledgeBase
from voicebot.intent.remote import RemoteIntentEngine
from voicebot.pipeline.playout import FALLBACK_TEXT
from voicebot.replay import replay_call
from voicebot.transports.wav import CallAudio

RATE = 8000
PLAN = Dialplan(greeting="Goddag.", answers={"pas": "Et pas koster 742 kroner."})


def voiced(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (7000 * np.sin(2 * np.pi * 160 * t) * (1 + 0.5 * np.sin(2 * np.pi * 480 * t))).astype(np.int16)


def a_question() -> CallAudio:
    pcm = np.zeros(RATE * 12, np.int16)
    pcm[RATE * 2 : RATE * 3] = voiced(1.0)
    return CallAudio(pcm, RATE)


class Asr:
    name = "scripted"

    def __init__(self, stall_s: float = 0.0) -> None:
        self.stall_s = stall_s

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None, cancel: Any = None) -> AsrResult:
        if self.stall_s:
            time.sleep(self.stall_s)  # a hung engine (the call must not wait for it)
        return AsrResult("hvad koster et pas", 0.9)


class Tts:
    name = voice = "tone"

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        if self.fail_on and self.fail_on in text:
            raise EngineError("synthesiser crashed")
        t = np.arange(int(0.05 * len(text) * sample_rate)) / sample_rate
        return (3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)


@dataclass
class Services:
    asr: Asr
    tts: Tts
    settings: Any = field(default_factory=lambda: SimpleNamespace(asr_timeout_s=0.5, record_dir=None))
    intent_engine: KeywordIntentEngine = field(default_factory=KeywordIntentEngine)
    call_log: None = None

    def recognizer(self, plan: object = None) -> Asr:
        return self.asr

    def synthesizer(self, plan: object = None) -> Tts:
        return self.tts


async def test_a_stalled_recogniser_transfers_the_caller_as_technical() -> None:
    services = Services(Asr(stall_s=2.0), Tts())
    t0 = time.monotonic()
    res = await replay_call(a_question(), services=services, plan=PLAN)  # type: ignore[arg-type]
    rec = res.record.to_dict()
    assert rec["error"] == "asr: Stalled" and rec["end_reason"] == "error"
    assert rec["transfer"]["reason"] == "technical" and res.transfers[0][1]["reason"] == "technical"
    assert time.monotonic() - t0 < 2.0 * 3  # the call did not wait for every stalled decode


async def test_a_failed_synthesis_plays_the_fallback_then_transfers() -> None:
    services = Services(Asr(), Tts(fail_on="742"))
    res = await replay_call(a_question(), services=services, plan=PLAN)  # type: ignore[arg-type]
    rec = res.record.to_dict()
    assert rec["error"] == "speech: EngineError"
    assert rec["transfer"]["reason"] == "technical" and res.transfers[0][1]["reason"] == "technical"
    fallback = next(t for t in rec["turns"] if t["speaker"] == "bot" and t["text"] == FALLBACK_TEXT)
    start, end = int(fallback["start_s"] * RATE), int(fallback["end_s"] * RATE)
    assert end - start > RATE * 3  # the whole recording (about 5 s) is on the caller's side of the line
    assert np.abs(res.bot_audio[start:end]).mean() > 100


class Nlu(JsonHandler):
    """A remote NLU on loopback (Rasa's parse contract): it answers, or fails with 500 once broken."""

    broken: ClassVar[bool] = False
    requests: ClassVar[int] = 0

    def do_POST(self) -> None:
        self.read_json()
        type(self).requests += 1
        self.reply({"intent": {"name": "pas", "confidence": 0.95}}, 500 if self.broken else 200)


async def test_a_remote_nlu_that_dies_transfers_the_caller_and_its_breaker_opens() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Nlu)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/model/parse"
    engine = RemoteIntentEngine(url, kb=KnowledgeBase.load(), timeout_s=2.0)
    services = Services(Asr(), Tts(), intent_engine=engine)  # type: ignore[arg-type]
    try:
        ok = (await replay_call(a_question(), services=services, plan=PLAN)).record.to_dict()  # type: ignore[arg-type]
        assert ok["intents"] == ["pas"] and ok["transfer"] is None and Nlu.requests == 1

        Nlu.broken = True  # the NLU fails: each call is handed to a person, never left in silence
        for _ in range(2):
            rec = (await replay_call(a_question(), services=services, plan=PLAN)).record.to_dict()  # type: ignore[arg-type]
            assert rec["transfer"]["reason"] == "technical", rec
        assert engine.breaker.state == "open" and Nlu.requests == 3

        rec = (await replay_call(a_question(), services=services, plan=PLAN)).record.to_dict()  # type: ignore[arg-type]
        assert rec["transfer"]["reason"] == "technical" and Nlu.requests == 3  # open: no request, no timeout
    finally:
        server.shutdown()
        server.server_close()

    dead = RemoteIntentEngine(url, kb=KnowledgeBase.load(), timeout_s=2.0)  # nothing listens any more
    rec = (await replay_call(a_question(), services=Services(Asr(), Tts(), intent_engine=dead),  # type: ignore[arg-type]
                             plan=PLAN)).record.to_dict()  # fmt: skip
    assert rec["transfer"]["reason"] == "technical" and rec["outcome"] == "transferred", rec
