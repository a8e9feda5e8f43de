"""The call core feeds the stage-latency histograms that GET /metrics serves: one ASR, TTS and
intent observation per engine call of a replayed call."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voicebot.asr.base import AsrResult
from voicebot.dialog.plan import Dialplan
from voicebot.intent.keywords import KeywordIntentEngine
from voicebot.pipeline.latency import STAGE_LATENCY
from voicebot.replay import replay_call
from voicebot.transports.wav import CallAudio

RATE = 8000


class Scripted:
    name = voice = "scripted"

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None, cancel: object = None) -> AsrResult:
        return AsrResult("hvad koster et pas", 0.9)

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        t = np.arange(int(0.05 * len(text) * sample_rate)) / sample_rate
        return (3000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)


@dataclass
class Services:
    engine: Scripted = field(default_factory=Scripted)
    intent_engine: KeywordIntentEngine = field(default_factory=KeywordIntentEngine)
    call_log: None = None

    def recognizer(self, plan: object = None) -> Scripted:
        return self.engine

    def synthesizer(self, plan: object = None) -> Scripted:
        return self.engine


def count(stage: str) -> float:
    return next(s.value for m in STAGE_LATENCY.collect() for s in m.samples
                if s.name.endswith("_count") and s.labels["stage"] == stage)  # fmt: skip


async def test_a_replayed_call_observes_asr_tts_and_intent_latency() -> None:
    before = {s: count(s) if STAGE_LATENCY.labels(s) else 0.0 for s in ("asr", "tts", "intent")}
    t = np.arange(RATE) / RATE
    pcm = np.zeros(RATE * 10, np.int16)
    pcm[RATE * 4 : RATE * 5] = (7000 * np.sin(2 * np.pi * 160 * t) * (1 + 0.5 * np.sin(2 * np.pi * 480 * t))).astype(
        np.int16
    )  # voiced enough for the VAD
    plan = Dialplan(greeting="Goddag.", answers={"pas": "Et pas koster 742 kroner."})
    res = await replay_call(CallAudio(pcm, RATE), services=Services(), plan=plan)  # type: ignore[arg-type]
    assert res.record.intents == ["pas"]
    for stage in ("asr", "tts", "intent"):
        assert count(stage) > before[stage], stage
