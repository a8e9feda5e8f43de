"""The after-hours flag end to end: computed from the dialplan's hours when the call starts,
kept in the call store by run_call, and counted by the after-hours KPI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from voicebot.calls.kpi import Period, kpis
from voicebot.calls.store import CallStore
from voicebot.config import Settings
from voicebot.dialog.registry import DialplanRegistry
from voicebot.gateway import Services
from voicebot.intent.keywords import KeywordIntentEngine
from voicebot.replay import replay_call
from voicebot.transports.wav import CallAudio

REPO = Path(__file__).resolve().parents[2]
CPH = ZoneInfo("Europe/Copenhagen")


class Silent:
    name = "silent"
    voice = "silent"

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None, cancel: object = None):  # type: ignore[no-untyped-def]
        from voicebot.asr.base import AsrResult

        return AsrResult("", 0.0)

    def synthesize(self, text: str, sample_rate: int) -> np.ndarray:
        return np.zeros(sample_rate // 10, np.int16)


@dataclass
class QuietServices(Services):
    def recognizer(self, plan=None):  # type: ignore[no-untyped-def,override]
        return Silent()

    def synthesizer(self, plan=None):  # type: ignore[no-untyped-def,override]
        return Silent()


async def test_a_call_at_20_on_a_weekday_is_after_hours_and_counted(tmp_path: Path) -> None:
    registry = DialplanRegistry.from_dir(REPO / "dialplans")
    store = CallStore(f"sqlite:///{tmp_path / 'calls.db'}")
    services = QuietServices(settings=Settings(), dialplans=registry, intent_engine=KeywordIntentEngine(), calls=store)
    plan = registry.get("odder")
    audio = CallAudio(np.zeros(8000 * 3, np.int16), 8000)
    tuesday = datetime(2026, 3, 10, tzinfo=CPH)
    evening = await replay_call(audio, services=services, plan=plan, started_at=tuesday.replace(hour=20),
                                call_id="evening", keep_record=True)  # fmt: skip
    morning = await replay_call(audio, services=services, plan=plan, started_at=tuesday.replace(hour=10),
                                call_id="morning", keep_record=True)  # fmt: skip
    assert evening.record.after_hours is True and morning.record.after_hours is False
    stored = {r["call_id"]: r for r in store.recent()}
    assert stored["evening"]["after_hours"] is True and stored["morning"]["after_hours"] is False
    with store.connect() as conn:  # the KPI as the API computes it, in SQL over the stored calls
        assert kpis(conn, Period())["after_hours_share"] == 0.5
