"""Shipped greetings are short: the caller is speaking within 5 s at the shipped TTS rate, open or
closed, and a closed line says so before the greeting's question."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from voicebot.dialog.machine import Dialog
from voicebot.frames import CallStarted, Say
from voicebot.gateway import Services, build_services

DIALPLANS = Path(__file__).resolve().parents[2] / "dialplans"
NAMES = sorted(p.stem for p in DIALPLANS.glob("*.yaml"))
CPH = ZoneInfo("Europe/Copenhagen")
OPEN = datetime(2026, 11, 24, 10, 15, tzinfo=CPH)  # a Tuesday morning: every shipped plan is open
CLOSED = datetime(2026, 12, 25, 10, 15, tzinfo=CPH)  # juledag
LIMIT_S = 5.0
RATE = 8000


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services(dialplans_dir=DIALPLANS)


def greeting(services: Services, name: str, at: datetime) -> tuple[list[Say], float]:
    plan = services.dialplans.get(name)
    says = [a for a in Dialog(plan, services.intent_engine, started_at=at).on(CallStarted(0.0, "c", "", ""), 0.0)]
    says = [a for a in says if isinstance(a, Say)]
    assert says and all(s.prompt is None for s in says)  # shipped greetings are spoken by TTS
    synth = services.synthesizer(plan)
    return says, sum(len(synth.synthesize(s.text, RATE)) for s in says) / RATE


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("at", [OPEN, CLOSED], ids=["open", "closed"])
def test_the_caller_speaks_within_5_s(services: Services, name: str, at: datetime) -> None:
    says, seconds = greeting(services, name, at)
    assert seconds <= LIMIT_S, f"{name}: the greeting takes {seconds:.1f} s: {[s.text for s in says]}"


@pytest.mark.parametrize("name", [n for n in NAMES if n != "default"])
def test_a_closed_line_says_so_before_the_question(services: Services, name: str) -> None:
    says, _ = greeting(services, name, CLOSED)
    text = " ".join(s.text for s in says)
    plan = services.dialplans.get(name)
    note = plan.hours.when_closed.greeting_note.text  # type: ignore[union-attr]
    assert note in text and text.index(note) < text.rindex("?") and text.rstrip().endswith("?")
