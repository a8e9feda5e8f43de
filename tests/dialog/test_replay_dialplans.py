"""The real pipeline (Whisper base + espeak-ng + the real intent engine) runs the real dialog for
every shipped dialplan, on a virtual clock, with opening hours taken from the call's start time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from speechkit import espeak_pcm

from voicebot.gateway import Services, build_services
from voicebot.replay import replay_call
from voicebot.transports.wav import CallAudio

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
CPH = ZoneInfo("Europe/Copenhagen")
OPEN = datetime(2026, 3, 10, 10, 0, tzinfo=CPH)  # Tuesday morning
HOLIDAY = datetime(2026, 5, 14, 10, 0, tzinfo=CPH)  # Kristi himmelfartsdag
RATE = 8000


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services(dialplans_dir=REPO / "dialplans")


def call(speak_at: float | None, text: str = "", total_s: float = 30.0) -> CallAudio:
    pcm = np.zeros(int(total_s * RATE), np.int16)
    if speak_at is not None:
        q = espeak_pcm(text, RATE, wpm=130)
        i = int(speak_at * RATE)
        pcm[i : i + len(q)] = q
    return CallAudio(pcm, RATE)


@pytest.mark.parametrize("name", ["default", "odder", "aarhus", "odense"])
async def test_each_shipped_dialplan_greets_and_answers(name: str, services: Services) -> None:
    plan = services.dialplans.get(name)
    res = await replay_call(
        call(14.0, "Hvad koster det at forny mit kørekort?"), services=services, plan=plan, started_at=OPEN
    )
    rec = res.record
    assert rec.dialplan == name and rec.kommune == plan.kommune
    bot = [t.text for t in rec.turns if t.speaker == "bot"]
    expected_first = plan.recording_consent.text if plan.recording_consent else plan.greeting.text
    assert bot[0] == expected_first
    caller = [t for t in rec.turns if t.speaker == "caller"]
    assert caller and caller[0].intent is not None
    assert any(t.speaker == "bot" and t.start_s > caller[0].end_s for t in rec.turns), "no reply to the caller"


async def test_closed_aarhus_sends_a_human_request_to_the_after_hours_queue(services: Services) -> None:
    plan = services.dialplans.get("aarhus")
    audio = call(None, total_s=20.0)
    res = await replay_call(audio, services=services, plan=plan, started_at=HOLIDAY, dtmf=[(13.0, "0")])
    assert res.record.outcome == "transferred"
    assert res.record.transfer == {"target": plan.transfer.queues["after_hours"], "reason": "closed_hours"}
    greeting, note = res.record.turns[1].text, plan.hours.when_closed.greeting_note.text  # type: ignore[union-attr]
    assert note in greeting and greeting.index(note) < greeting.index("Hvad kan jeg hjælpe")  # closed notice first


async def test_closed_odder_tells_the_hours_instead_of_transferring(services: Services) -> None:
    plan = services.dialplans.get("odder")
    res = await replay_call(call(None, total_s=25.0), services=services, plan=plan, started_at=HOLIDAY,
                            dtmf=[(10.0, "0")])  # fmt: skip
    assert res.record.outcome != "transferred" and res.transfers == []
    said = " ".join(t.text for t in res.record.turns if t.speaker == "bot")
    assert "Borgerservice har lukket lige nu. Vi har åbent mandag til tirsdag fra 10 til 14" in said
