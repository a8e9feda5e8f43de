"""The dialplans we ship: valid, named by file stem, facts with sources, schema file up to date, and a
conversation through each with the real intent engine."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dialogkit import understood

from voicebot.config import Settings
from voicebot.dialog.machine import Dialog
from voicebot.dialog.plan import json_schema
from voicebot.dialog.registry import DialplanRegistry
from voicebot.dialog.validate import check_file
from voicebot.frames import CallStarted, Hangup, PlaybackDone, Say, Transcript, Transfer
from voicebot.intent.factory import create_intent_engine

REPO = Path(__file__).resolve().parents[2]
DIALPLANS = REPO / "dialplans"
SHIPPED = sorted(DIALPLANS.glob("*.yaml"))
CPH = ZoneInfo("Europe/Copenhagen")


def test_the_required_dialplans_are_shipped() -> None:
    assert {"default", "odder", "aarhus", "odense"} <= {p.stem for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_dialplan_is_valid_and_sourced(path: Path) -> None:
    plan, issues = check_file(path)
    assert issues == [] and plan is not None
    assert plan.name == path.stem
    for intent, rule in plan.intents.items():
        if rule.text or rule.options:
            assert rule.source and rule.source.startswith("https://"), f"{intent}: an answer without a source"
            assert rule.source in plan.source, f"{intent}: list {rule.source} under source:"


def test_numbers_are_unique_across_dialplans() -> None:
    reg = DialplanRegistry.from_dir(DIALPLANS)
    seen: dict[str, str] = {}
    for name in reg.names():
        for num in reg.get(name).numbers:
            assert num not in seen, f"{num} in {seen.get(num)} and {name}"
            seen[num] = name
            assert reg.for_number(num).name == name


def test_the_committed_json_schema_is_up_to_date() -> None:
    committed = json.loads((DIALPLANS / "dialplan.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run: voicebot dialplan schema --out dialplans/dialplan.schema.json"


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return create_intent_engine(Settings())


@pytest.mark.parametrize("name", ["default", "odder", "aarhus", "odense"])
def test_a_call_through_each_dialplan_with_the_real_intent_engine(name: str, engine) -> None:  # type: ignore[no-untyped-def]
    plan = DialplanRegistry.from_dir(DIALPLANS).get(name)
    dialog = Dialog(plan, engine.kb, "t", started_at=datetime(2026, 3, 10, 10, 0, tzinfo=CPH))
    t, says, final = 0.0, [], None

    def feed(ev) -> None:  # type: ignore[no-untyped-def]
        nonlocal t, final
        for a in dialog.on(understood(dialog, engine, ev), t):
            if isinstance(a, Say):
                says.append(a.text)
                t += 1.0
                dialog.on(PlaybackDone(t, a.say_id), t)
            elif isinstance(a, Hangup | Transfer):
                final = a

    feed(CallStarted(0.0, "t"))
    consent = [plan.recording_consent.text] if plan.recording_consent else []
    assert says == [*consent, plan.greeting.text]
    says.clear()
    t += 1.0
    feed(Transcript("jeg skal forny mit kørekort", 0.9, t - 1, t, t))
    assert len(says) == 1 and says[0] != plan.messages.no_match.text  # answered or confirmed
    t += 1.0
    feed(Transcript("jeg vil gerne tale med en medarbejder", 0.9, t - 1, t, t))
    assert isinstance(final, Transfer) and final.reason == "caller_request"
    assert final.target == plan.transfer.queues[plan.transfer.human_queue]
