"""Replayed calls through real engine servers, and the same servers killed mid-call.

Each remote engine: one call whose transcript and spoken answer are checked, and one call
during which the server is SIGKILLed: the call must go to a human with reason `technical`,
never silence, and the client's breaker must be open afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from engine_servers import (
    FWS_MODEL,
    JOE,
    Server,
    start_asr_serve,
    start_faster_whisper_server,
    start_wyoming_faster_whisper,
    start_wyoming_piper,
)
from speechkit import espeak_pcm

from voicebot.asr.vocabulary import build_prompt
from voicebot.dialog.plan import AsrEngine, Dialplan, Engines, TtsEngine
from voicebot.errors import EngineError
from voicebot.gateway import Services, build_services
from voicebot.replay import ReplayResult, replay_call
from voicebot.transports.wav import CallAudio

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
RATE = 8000
PASSPORT = re.compile(r"\bp[aæe]+s", re.IGNORECASE)
QUESTION = "Hvad koster et nyt pas?"


def call_audio(questions: list[tuple[float, str]], total_s: float) -> CallAudio:
    pcm = np.zeros(int(total_s * RATE), np.int16)
    for at, text in questions:
        q = espeak_pcm(text, RATE, wpm=130)
        i = int(at * RATE)
        pcm[i : i + len(q)] = q[: len(pcm) - i]
    return CallAudio(pcm, RATE)


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services(dialplans_dir=REPO / "dialplans")


def plan_with(services: Services, asr: AsrEngine | None = None, tts: TtsEngine | None = None) -> Dialplan:
    base = services.dialplans.get("odder")
    engines = Engines(asr=asr or base.engines.asr, tts=tts or base.engines.tts)
    return base.model_copy(update={"engines": engines})


class KillAfter:
    """Passes requests to the real client; once `after` of them have succeeded, kills the server."""

    def __init__(self, inner: Any, server: Server, after: int, method: str) -> None:
        self.inner, self.server, self.after, self.method = inner, server, after, method
        self.name, self.voice = inner.name, getattr(inner, "voice", "")
        self.done = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _call(self, *args: Any, **kw: Any) -> Any:
        out = getattr(self.inner, self.method)(*args, **kw)
        self.done += 1
        if self.done == self.after:
            self.server.kill()
        return out

    def transcribe(self, *args: Any, **kw: Any) -> Any:
        return self._call(*args, **kw)

    def synthesize(self, *args: Any, **kw: Any) -> Any:
        return self._call(*args, **kw)


class KillingServices(Services):
    """The gateway's services, with the engine of one kind wrapped in `KillAfter`."""

    wrap: dict[str, KillAfter]

    def recognizer(self, plan: Dialplan | None = None) -> Any:
        return self.wrap.get("asr") or super().recognizer(plan)

    def synthesizer(self, plan: Dialplan | None = None) -> Any:
        return self.wrap.get("tts") or super().synthesizer(plan)


def killing(services: Services, **wrap: KillAfter) -> KillingServices:
    out = KillingServices(services.settings, services.dialplans, services.intent_engine, services.calls)
    out.wrap = wrap
    return out


async def replay(services: Services, plan: Dialplan, audio: CallAudio) -> ReplayResult:
    return await replay_call(audio, services=services, plan=plan, tail_s=20.0)


def assert_answered_the_passport_question(res: ReplayResult) -> None:
    rec = res.record
    caller = [t for t in rec.turns if t.speaker == "caller"]
    assert caller and PASSPORT.search(caller[0].text), [t.text for t in caller]
    assert caller[0].intent == "pas", (caller[0].text, caller[0].intent)
    replies = [t for t in rec.turns if t.speaker == "bot" and t.start_s > caller[0].end_s]
    assert replies and re.search(r"\bpas\b", replies[0].text), [t.text for t in replies]
    start = int(replies[0].start_s * res.sample_rate)
    assert np.abs(res.bot_audio[start : start + res.sample_rate]).max() > 1000, "the reply is not audible"
    assert rec.transfer is None and rec.outcome != "error"


def innermost(engine: Any) -> Any:
    while hasattr(engine, "inner"):
        engine = engine.inner
    return engine


def assert_served_by(engine: Any, server: Server) -> None:
    """The call's engine really is the remote client of this server, and it was used."""
    client = innermost(engine)
    assert getattr(client, "url", "").rstrip("/") == server.url.rstrip("/")
    assert client.breaker.state == "closed"
    pool = getattr(client.remote, "pool", None)
    assert pool is None or pool.opened >= 1


def assert_technical_transfer(res: ReplayResult, stage: str) -> None:
    rec = res.record
    assert rec.error == f"{stage}: EngineError", rec.error
    assert rec.outcome == "error", (rec.outcome, rec.error)
    assert rec.transfer is not None and rec.transfer["reason"] == "technical", rec.transfer
    assert res.transfers and res.transfers[-1][1]["reason"] == "technical"


# The machine may be shared: a request's time limit is generous; a killed server fails at once anyway.
LOADED_S = 60.0
TWO_QUESTIONS = [(9.0, QUESTION), (22.0, "Hvornår har I åbent?")]


# ---------------------------------------------------------------- wyoming-faster-whisper
@pytest.fixture
def wfw(tmp_path: Path, services: Services) -> Iterator[Server]:
    plan = services.dialplans.get("odder")
    server = start_wyoming_faster_whisper(tmp_path, prompt=build_prompt(plan.kommune, list(plan.vocabulary)))
    yield server
    server.stop()


async def test_wyoming_faster_whisper_call(wfw: Server, services: Services) -> None:
    plan = plan_with(services, asr=AsrEngine(engine="wyoming", url=wfw.url, timeout_s=LOADED_S))
    res = await replay(services, plan, call_audio([(9.0, QUESTION)], 18.0))
    assert_answered_the_passport_question(res)
    assert_served_by(services.recognizer(plan), wfw)


async def test_wyoming_faster_whisper_killed_mid_call(wfw: Server, services: Services) -> None:
    plan = plan_with(services, asr=AsrEngine(engine="wyoming", url=wfw.url, timeout_s=LOADED_S))
    asr = services.recognizer(plan)
    res = await replay(killing(services, asr=KillAfter(asr, wfw, 1, "transcribe")), plan,
                       call_audio(TWO_QUESTIONS, 32.0))  # fmt: skip
    assert_technical_transfer(res, "asr")
    assert asr.breaker.state == "open" and asr.breaker.opens >= 1
    with pytest.raises(EngineError, match="circuit open"):  # the next turn fails at once
        asr.transcribe(np.zeros(16000, np.int16))


# ---------------------------------------------------------------- wyoming-piper
@pytest.fixture
def piper(tmp_path: Path) -> Iterator[Server]:
    server = start_wyoming_piper(tmp_path)
    yield server
    server.stop()


async def test_wyoming_piper_call(piper: Server, services: Services) -> None:
    plan = plan_with(services, tts=TtsEngine(engine="wyoming", url=piper.url, voice=JOE, timeout_s=LOADED_S))
    res = await replay(services, plan, call_audio([(9.0, QUESTION)], 18.0))
    assert_answered_the_passport_question(res)
    assert_served_by(services.synthesizer(plan), piper)
    greeting = res.record.turns[0]
    assert greeting.speaker == "bot" and greeting.text == plan.greeting.text
    assert greeting.end_s - greeting.start_s > 3.0, "the greeting is spoken by the Piper voice"


async def test_wyoming_piper_killed_mid_call(piper: Server, services: Services) -> None:
    from voicebot.tts.factory import create_synthesizer

    cfg = TtsEngine(engine="wyoming", url=piper.url, voice=JOE, timeout_s=LOADED_S)
    plan = plan_with(services, tts=cfg)
    tts = create_synthesizer(services.settings, "wyoming", JOE, cache=None, remote=cfg)  # no cache: every say asks
    res = await replay(killing(services, tts=KillAfter(tts, piper, 1, "synthesize")), plan,
                       call_audio([(9.0, QUESTION)], 18.0))  # fmt: skip
    assert_technical_transfer(res, "speech")
    breaker = tts.inner.breaker  # NormalizingSynthesizer → WyomingSynthesizer
    assert breaker.state == "open" and breaker.opens >= 1


# ---------------------------------------------------------------- faster-whisper-server (OpenAI API)
@pytest.fixture
def fws(tmp_path: Path) -> Iterator[Server]:
    server = start_faster_whisper_server(tmp_path)
    yield server
    server.stop()


async def test_openai_compatible_server_call(fws: Server, services: Services) -> None:
    plan = plan_with(services, asr=AsrEngine(engine="openai", url=fws.url, model=FWS_MODEL, timeout_s=LOADED_S))
    res = await replay(services, plan, call_audio([(9.0, QUESTION)], 18.0))
    assert_answered_the_passport_question(res)
    assert_served_by(services.recognizer(plan), fws)


def test_an_http_error_is_an_engine_error_and_opens_the_breaker(fws: Server) -> None:
    from voicebot.asr.openai_api import OpenAIRecognizer

    asr = OpenAIRecognizer(fws.url + "/no-such-api", model=FWS_MODEL)  # the server answers 404
    with pytest.raises(EngineError, match="HTTP 404"):
        asr.transcribe(np.zeros(16000, np.int16))
    assert asr.breaker.state == "open"
    with pytest.raises(EngineError, match="circuit open"):
        asr.transcribe(np.zeros(16000, np.int16))
    asr.close()


async def test_openai_compatible_server_killed_mid_call(fws: Server, services: Services) -> None:
    plan = plan_with(services, asr=AsrEngine(engine="openai", url=fws.url, model=FWS_MODEL, timeout_s=LOADED_S))
    asr = services.recognizer(plan)
    res = await replay(killing(services, asr=KillAfter(asr, fws, 1, "transcribe")), plan,
                       call_audio(TWO_QUESTIONS, 32.0))  # fmt: skip
    assert_technical_transfer(res, "asr")
    assert asr.breaker.state == "open"


# ---------------------------------------------------------------- voicebot asr-serve
@pytest.fixture
def asr_serve(tmp_path: Path) -> Iterator[Server]:
    server = start_asr_serve(tmp_path)
    yield server
    server.stop()


async def test_asr_serve_call(asr_serve: Server, services: Services) -> None:
    plan = plan_with(services, asr=AsrEngine(engine="wyoming", url=asr_serve.url, timeout_s=LOADED_S))
    res = await replay(services, plan, call_audio([(9.0, QUESTION)], 18.0))
    assert_answered_the_passport_question(res)
    assert_served_by(services.recognizer(plan), asr_serve)


async def test_asr_serve_killed_mid_call(asr_serve: Server, services: Services) -> None:
    plan = plan_with(services, asr=AsrEngine(engine="wyoming", url=asr_serve.url, timeout_s=LOADED_S))
    asr = services.recognizer(plan)
    res = await replay(killing(services, asr=KillAfter(asr, asr_serve, 1, "transcribe")), plan,
                       call_audio(TWO_QUESTIONS, 32.0))  # fmt: skip
    assert_technical_transfer(res, "asr")
    assert asr.breaker.state == "open"
