"""The call pipeline on a virtual clock with scripted engines (fakes for ASR/TTS; real dialog)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np
import pytest

from voicebot.asr.base import AsrResult
from voicebot.dialog.plan import Dialplan
from voicebot.frames import AudioFrame, Dtmf
from voicebot.intent.keywords import KeywordIntentEngine
from voicebot.replay import replay_call
from voicebot.transports.wav import CallAudio

RATE = 8000


def voiced(seconds: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (7000 * np.sin(2 * np.pi * 160 * t) * (1 + 0.5 * np.sin(2 * np.pi * 480 * t))).astype(np.int16)


def call_audio(total_s: float, speech: list[tuple[float, float]]) -> CallAudio:
    pcm = np.zeros(int(total_s * RATE), np.int16)
    for start, dur in speech:
        seg = voiced(dur)
        i = int(start * RATE)
        pcm[i : i + len(seg)] = seg
    return CallAudio(pcm, RATE)


class ScriptedRecognizer:
    """Answers each utterance with the next scripted text, as a recogniser would."""

    name = "scripted"

    def __init__(self, texts: list[str]) -> None:
        self.texts = list(texts)
        self.calls = 0

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None, cancel: object = None) -> AsrResult:
        self.calls += 1
        return AsrResult(self.texts.pop(0) if self.texts else "", 0.9)


class ToneSynth:
    """50 ms of tone per character."""

    name = "tone"
    voice = "tone"

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        return voiced(0.05 * len(text), sample_rate) // 4


@dataclass
class FakeServices:
    recognizer_: ScriptedRecognizer
    intent_engine: KeywordIntentEngine = field(default_factory=KeywordIntentEngine)
    call_log: None = None

    def recognizer(self, plan: object = None) -> ScriptedRecognizer:
        return self.recognizer_

    def synthesizer(self, plan: object = None) -> ToneSynth:
        return ToneSynth()


PLAN = Dialplan(greeting="Goddag. Hvad kan jeg hjælpe med?", answers={"pas": "Et pas koster 742 kroner."})
GREETING_S = 0.05 * len("Goddag.") + 0.05 * len("Hvad kan jeg hjælpe med?")


async def test_turns_come_in_order_and_the_response_gap_is_recorded() -> None:
    services = FakeServices(ScriptedRecognizer(["hvad koster et pas", "nej tak farvel"]))
    audio = call_audio(14.0, [(GREETING_S + 0.5, 1.0), (9.0, 0.8)])
    res = await replay_call(audio, services=services, plan=PLAN, call_id="t1")  # type: ignore[arg-type]
    rec = res.record.to_dict()
    speakers = [(t["speaker"], t.get("intent")) for t in rec["turns"]]
    assert speakers[:3] == [("bot", None), ("caller", "pas"), ("bot", None)]
    assert rec["turns"][2]["text"].startswith("Et pas koster")
    assert rec["intents"][0] == "pas"
    caller_end = rec["turns"][1]["end_s"]
    answer_start = rec["turns"][2]["start_s"]
    # a confident transcript at the 250 ms pause ends the turn early: no 600 ms end-of-turn wait
    assert caller_end + 0.25 <= answer_start < caller_end + 0.6
    assert rec["early_turn_ends"] >= 1
    assert rec["response_gaps_ms"][0] == pytest.approx((answer_start - caller_end) * 1000, abs=2)
    assert rec["outcome"] == "contained"
    # the bot audio lies where the record says it does
    i = int(answer_start * RATE)
    assert np.abs(res.bot_audio[i : i + 800]).max() > 0
    assert np.abs(res.bot_audio[int((answer_start - 0.3) * RATE) : i - 10]).max() == 0


async def test_barge_in_cuts_the_bot_and_flushes_queued_audio() -> None:
    services = FakeServices(ScriptedRecognizer(["hvad koster et pas"]))
    audio = call_audio(10.0, [(0.8, 1.2)])  # caller talks over the greeting
    res = await replay_call(audio, services=services, plan=PLAN, call_id="t2")  # type: ignore[arg-type]
    rec = res.record.to_dict()
    greeting = rec["turns"][0]
    assert greeting["speaker"] == "bot"
    assert 0.8 < greeting["end_s"] < 0.8 + 0.1  # cut within 100 ms of speech onset
    assert rec["barge_ins"] == 1
    cut = int(greeting["end_s"] * RATE) + 1
    greeting_would_end = int(GREETING_S * RATE)
    assert np.abs(res.bot_audio[:cut]).max() > 0
    assert np.abs(res.bot_audio[cut:greeting_would_end]).max() == 0  # nothing queued survived
    assert rec["turns"][1]["intent"] == "pas"


async def test_dtmf_zero_transfers_with_context() -> None:
    services = FakeServices(ScriptedRecognizer([]))
    audio = call_audio(12.0, [])
    res = await replay_call(  # type: ignore[arg-type]
        audio, services=services, plan=PLAN, call_id="t3", dtmf=[(GREETING_S + 1.0, "0")]
    )
    rec = res.record.to_dict()
    assert rec["outcome"] == "transferred"
    assert rec["transfer"]["reason"] == "caller_request"
    assert res.transfers and res.transfers[0][0] == PLAN.transfer_targets["default"]
    assert rec["turns"][-1]["speaker"] == "bot"  # the transfer message was played first


async def test_silence_only_ends_as_abandoned_with_no_gap() -> None:
    services = FakeServices(ScriptedRecognizer([]))
    res = await replay_call(call_audio(5.0, []), services=services, plan=PLAN)  # type: ignore[arg-type]
    rec = res.record.to_dict()
    assert rec["outcome"] == "abandoned"
    assert rec["response_gaps_ms"] == []
    assert services.recognizer_.calls == 0


async def test_caller_going_on_after_an_early_answer_barges_in_and_is_heard_as_a_new_utterance() -> None:
    services = FakeServices(ScriptedRecognizer(["hvad koster et pas", "og mit kørekort", "og mit kørekort"]))
    start = GREETING_S + 0.5
    audio = call_audio(16.0, [(start, 1.0), (start + 1.4, 0.8)])  # a 400 ms pause mid-question
    res = await replay_call(audio, services=services, plan=PLAN, call_id="t5")  # type: ignore[arg-type]
    rec = res.record.to_dict()
    caller = [t for t in rec["turns"] if t["speaker"] == "caller"]
    assert [t["intent"] for t in caller] == ["pas", "koerekort"]
    assert caller[1]["start_s"] == pytest.approx(caller[0]["end_s"])  # the rest only, not the whole turn again
    assert rec["barge_ins"] == 1  # the early answer to "pas" was cut when the caller went on
    pas_answer = next(t for t in rec["turns"] if t["speaker"] == "bot" and t["text"].startswith("Et pas"))
    assert pas_answer["end_s"] <= start + 1.4 + 0.1


async def test_failed_transfer_keeps_the_caller_and_offers_a_call_back() -> None:
    """REFER refused and no bridge: the caller hears why, gets the hours, and can ask to be called back."""
    from voicebot.clock import VirtualClock
    from voicebot.gateway import create_session
    from voicebot.transports.wav import TimelineSink

    class NoAgent:
        async def transfer(self, target: str, context: dict) -> bool:
            return False

        async def hangup(self, reason: str) -> None:
            self.reason = reason

    services = FakeServices(ScriptedRecognizer(["ja tak"]))
    plan = PLAN.model_copy(update={"vocabulary": []})
    clock, sink, control = VirtualClock(), TimelineSink(RATE), NoAgent()
    session = create_session(services, plan, clock=clock, sink=sink, control=control, in_rate=RATE)  # type: ignore[arg-type]
    run = asyncio.create_task(session.run())
    audio = call_audio(40.0, [(22.0, 0.6)])  # says "ja tak" after the offer
    step = RATE // 50
    for i in range(len(audio.pcm) // step):
        await clock.advance_to(i * 0.02)
        if session.finished:
            break
        if i == int((GREETING_S + 0.5) / 0.02):
            await session.inbox.put(Dtmf("0", i * 0.02))
        await session.inbox.put(AudioFrame(audio.pcm[i * step : (i + 1) * step], RATE, i * 0.02))
    t = i * 0.02
    while not run.done():
        t += 0.02
        await clock.advance_to(t)
    rec = (await run).to_dict()
    said = " ".join(turn["text"] for turn in rec["turns"] if turn["speaker"] == "bot")
    assert "ikke stille dig videre" in said and "ringes op" in said
    assert rec["transfer"]["failed"] is True and rec["outcome"] != "transferred"
    assert rec["callback"]["reason"] == "technical"
    assert control.reason == "callback"


async def test_a_failing_stage_hands_the_caller_to_a_human() -> None:
    class BrokenRecognizer(ScriptedRecognizer):
        def transcribe(self, audio: np.ndarray, *, prompt: str | None = None, cancel: object = None) -> AsrResult:
            from voicebot.errors import EngineError

            raise EngineError("decoder crashed")

    services = FakeServices(BrokenRecognizer([]))
    audio = call_audio(20.0, [(GREETING_S + 0.5, 1.0)])
    res = await replay_call(audio, services=services, plan=PLAN, call_id="t7")  # type: ignore[arg-type]
    rec = res.record.to_dict()
    assert rec["outcome"] == "error"
    assert rec["transfer"] == {"target": PLAN.transfer.queues["default"], "reason": "technical"}
    assert res.transfers and res.transfers[0][1]["reason"] == "technical"
    assert rec["error"].startswith("asr: EngineError")
    assert rec["end_reason"] == "error"
