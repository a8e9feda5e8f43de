"""Dialplan engine sections: checked with file:line errors, and built into the right clients."""

from __future__ import annotations

from dataclasses import replace

import pytest

from voicebot.asr.factory import create_recognizer_for
from voicebot.asr.openai_api import OpenAIRecognizer
from voicebot.asr.wyoming import WyomingRecognizer
from voicebot.config import Settings
from voicebot.dialog.plan import AsrEngine, TtsEngine
from voicebot.dialog.validate import check_text
from voicebot.tts.factory import create_engine
from voicebot.tts.wyoming import WyomingSynthesizer

PLAN = """schema: 1
kommune: Testkommune
engines:
  asr:
{asr}
  tts:
{tts}
"""


def issues(asr: str, tts: str = "    engine: espeak") -> list[str]:
    _plan, found = check_text(PLAN.format(asr=asr, tts=tts), "t.yaml", name="t")
    return [str(i) for i in found]


def test_remote_engines_with_urls_are_valid() -> None:
    tts = "    engine: wyoming\n    url: tcp://tts.local:10200\n    voice: da_DK-talesyntese-medium"
    assert issues("    engine: wyoming\n    url: tcp://asr.local:10300\n    timeout_s: 4", tts) == []
    assert issues("    engine: openai\n    url: https://asr.local/v1\n    model: whisper-da") == []


@pytest.mark.parametrize(
    ("asr", "where", "expect"),
    [
        ("    engine: wyoming", "t.yaml:5:5: engines.asr:", "engine 'wyoming' needs 'url'"),
        ("    engine: wyoming\n    url: http://asr.local:10300", "t.yaml:5:5: engines.asr:", "must start with tcp://"),
        ("    engine: openai\n    url: tcp://asr.local:8000", "t.yaml:5:5: engines.asr:", "must start with http://"),
        ("    engine: wyoming\n    url: tcp://a:1\n    pool_size: 0", "t.yaml:7:16: engines.asr.pool_size:",
         "greater than or equal to 1"),
        ("    engine: wyoming\n    url: tcp://a:1\n    breaker: {failures: 0}",
         "t.yaml:7:25: engines.asr.breaker.failures:", "greater than or equal to 1"),
    ],
)  # fmt: skip
def test_bad_engine_sections_name_the_line(asr: str, where: str, expect: str) -> None:
    found = issues(asr)
    assert len(found) == 1 and found[0].startswith(where) and expect in found[0], found


def test_dialplan_settings_reach_the_client() -> None:
    cfg = AsrEngine(engine="wyoming", url="tcp://asr.local:10300", timeout_s=3.0, pool_size=2, retries=0,
                    breaker={"failures": 3, "cooldown_s": 7.0})  # fmt: skip
    asr = create_recognizer_for(Settings(), cfg)
    assert isinstance(asr, WyomingRecognizer) and asr.url == "tcp://asr.local:10300"
    lim = asr.remote.limits
    assert (lim.timeout_s, lim.pool_size, lim.retries, lim.breaker_failures, lim.breaker_cooldown_s) == (
        3.0, 2, 0, 3, 7.0)  # fmt: skip
    assert asr.breaker.failures == 3 and asr.remote.pool is not None and asr.remote.pool.size == 2


def test_openai_client_takes_its_key_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOMMUNE_ASR_KEY", "s3cret")
    cfg = AsrEngine(engine="openai", url="http://asr.local:8000/v1", model="whisper-da", api_key_env="KOMMUNE_ASR_KEY")
    asr = create_recognizer_for(Settings(), cfg)
    assert isinstance(asr, OpenAIRecognizer) and asr.model == "whisper-da"
    assert asr._http.headers["Authorization"] == "Bearer s3cret"
    asr.close()


def test_the_shared_service_replaces_only_the_default_whisper(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = replace(Settings(), asr_service_url="tcp://127.0.0.1:10300", models_dir=tmp_path)
    shared = create_recognizer_for(settings, AsrEngine())
    assert isinstance(shared, WyomingRecognizer) and shared.url == "tcp://127.0.0.1:10300"
    own = create_recognizer_for(settings, AsrEngine(engine="wyoming", url="tcp://gpu:10300"))
    assert isinstance(own, WyomingRecognizer) and own.url == "tcp://gpu:10300"
    with pytest.raises(Exception, match="does not exist"):  # its own model folder stays in process
        create_recognizer_for(settings, AsrEngine(model="whisper-da"))


def test_wyoming_tts_from_the_dialplan() -> None:
    cfg = TtsEngine(engine="wyoming", url="tcp://tts.local:10200", voice="da_DK-talesyntese-medium", timeout_s=2.0)
    tts = create_engine(Settings(), "wyoming", cfg.voice, cfg)
    assert isinstance(tts, WyomingSynthesizer) and tts.voice == "da_DK-talesyntese-medium"
    assert tts.remote.limits.timeout_s == 2.0
