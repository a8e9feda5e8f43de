"""Table-driven conversations through the dialog state machine: virtual call clock, no audio.

Each case is a plan (overrides on a test plan), a caller script, and the exact sequence of
what the bot says and does. A fake intent engine reads the caller's text from a table; the
harness plays each `Say` for one virtual second and reports `PlaybackDone`, as the session does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dialogkit import understood

from voicebot.dialog.machine import Dialog
from voicebot.dialog.plan import Dialplan
from voicebot.dialog.text import TOPIC_LABELS
from voicebot.frames import (
    Callback,
    CallerHangup,
    CallStarted,
    Dtmf,
    Hangup,
    Listen,
    PlaybackDone,
    Rating,
    Say,
    SpeechStarted,
    Timeout,
    Transcript,
    Transfer,
    TurnResult,
)
from voicebot.intent.base import IntentResult

CPH = ZoneInfo("Europe/Copenhagen")
OPEN = datetime(2026, 3, 10, 10, 0, tzinfo=CPH)  # a Tuesday morning
CLOSED = datetime(2026, 5, 14, 10, 0, tzinfo=CPH)  # Kristi himmelfartsdag

TABLE = {
    "pas": ("pas", 0.9), "måske pas": ("pas", 0.45), "noget med pas": ("pas", 0.2),
    "flytning": ("flytning", 0.9), "min sag": ("sagsstatus", 0.9), "fuldmagt": ("fuldmagt", 0.9),
    "ja": ("ja", 0.9), "nej": ("nej", 0.9), "medarbejder": ("medarbejder", 0.9), "gentag": ("gentag", 0.9),
    "farvel": ("afslut", 0.9), "tre": ("ukendt", 0.0), "til mit barn": ("ukendt", 0.1),
    "åbningstider": ("aabningstider", 0.9), "rotter": ("rotter", 0.9),
}  # fmt: skip


class FakeEngine:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[tuple[str, str | None]] = []

    def classify(self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None) -> IntentResult:
        if self.fail:
            raise RuntimeError("engine down")
        self.seen.append((text, kommune))
        intent, conf = TABLE.get(text, ("ukendt", 0.0))
        answer = f"Svar om {intent}." if intent in ("pas", "flytning", "sagsstatus", "fuldmagt") else None
        return IntentResult(intent, conf, answer=answer)

    def answer(self, intent: str, kommune: str | None = None) -> str | None:
        """The knowledge-base lookup for a topic chosen by key: the answer to its label."""
        res = self.classify(TOPIC_LABELS.get(intent, intent), kommune=kommune)
        return res.answer if res.intent == intent else None


BASE: dict[str, Any] = {
    "kommune": "Testby",
    "transfer": {
        "human_queue": "bs",
        "queues": {"bs": "sip:bs@pbx", "sag": "sip:sag@pbx", "vagt": "sip:vagt@pbx"},
        "context": ["kommune", "intents", "last_topic", "reason", "caller"],
    },
}
HOURS = {"weekly": {"mon": "09:00-15:00", "tue": "09:00-15:00", "thu": "09:00-17:00"}}


def plan_with(**over: Any) -> Dialplan:
    data = {**BASE, **over}
    return Dialplan.model_validate(data)


@dataclass
class Call:
    dialog: Dialog
    engine: Any = None
    t: float = 0.0
    lines: list[str] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    transcripts: int = 0

    def feed(self, ev: Any) -> list[Any]:
        acts = self.dialog.on(understood(self.dialog, self.engine, ev), self.t)
        self.actions.extend(acts)
        for a in acts:
            self.lines.append(render(a))
        for a in acts:
            if isinstance(a, Say):
                self.t += 1.0
                self.actions.extend(self.dialog.on(PlaybackDone(self.t, a.say_id), self.t))
        return acts

    def step(self, item: str) -> None:
        kind, _, arg = item.partition(":")
        arg = arg.strip()
        if kind == "caller":
            self.t += 0.5
            self.transcripts += 1
            self.feed(Transcript(arg, 0.9, self.t - 0.5, self.t, self.t))
        elif kind == "dtmf":
            self.t += 0.2
            self.feed(Dtmf(arg, self.t))
        elif kind == "silence":
            deadline = self.dialog.next_deadline()
            assert deadline is not None, "the bot waits with no timer armed"
            self.t = deadline
            self.feed(Timeout(deadline))
        elif kind == "hangup":
            self.feed(CallerHangup(self.t))
        else:
            raise ValueError(item)


def render(a: Any) -> str:
    match a:
        case Say():
            return f"bot: {a.text}" + (f" [{a.prompt}]" if a.prompt else "")
        case Transfer():
            return f"transfer: {a.reason} {a.target}"
        case Hangup():
            return f"hangup: {a.reason}"
        case Rating():
            return f"rating: {a.score}"
        case Callback():
            return f"callback: {a.reason}"
        case TurnResult():
            return f"turn: {a.intent}"
    return type(a).__name__


def run(plan: Dialplan, script: list[str], *, at: datetime | None = OPEN, engine: Any = None) -> Call:
    engine = engine or FakeEngine()
    call = Call(Dialog(plan, engine, "c1", started_at=at), engine)
    call.feed(CallStarted(0.0, "c1", "+4512345678", "+4511223344"))
    for item in script:
        call.step(item)
    return call


GOODBYE = "bot: Tak for opkaldet."
MORE = "Er der andet, jeg kan hjælpe med?"
T_BS = "sip:bs@pbx"
MENU = "Du kan også trykke 1 for pas, 2 for kørekort, 3 for flytning, eller 0 for en medarbejder."
OFFER = "Skal jeg stille dig videre til en medarbejder? Sig ja eller nej. Tryk 1 for ja, 2 for nej."

CASES: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    ("answer then no more", {}, ["caller: pas", "caller: nej"],
     ["bot: Goddag", "turn: pas", f"bot: Svar om pas. {MORE}", "turn: nej", GOODBYE, "hangup: completed"]),
    ("goodbye intent", {}, ["caller: pas", "caller: farvel"],
     ["bot: Goddag", "turn: pas", "bot: Svar om pas.", "turn: afslut", GOODBYE, "hangup: completed"]),
    ("yes to anything else asks again", {}, ["caller: pas", "caller: ja", "caller: flytning"],
     ["bot: Goddag", "turn: pas", "bot: Svar om pas.", "turn: ja", "bot: Hvad kan jeg hjælpe dig med?",
      "turn: flytning", "bot: Svar om flytning."]),
    ("confirm band, ja", {}, ["caller: måske pas", "caller: ja"],
     ["bot: Goddag", "turn: pas", "bot: Vil du høre om pas? Sig ja eller nej.", "turn: ja", "bot: Svar om pas."]),
    ("confirm band, nej re-prompts", {}, ["caller: måske pas", "caller: nej", "caller: pas"],
     ["bot: Goddag", "turn: pas", "bot: Vil du høre om pas?", "turn: nej", "bot: Undskyld. Hvad kan jeg så",
      "turn: pas", "bot: Svar om pas."]),
    ("confirm rejected twice → low_confidence", {}, ["caller: måske pas", "caller: nej", "caller: måske pas",
                                                     "caller: nej"],
     ["bot: Goddag", "turn: pas", "bot: Vil du høre om pas?", "turn: nej", "bot: Undskyld.", "turn: pas",
      "bot: Vil du høre om pas?", "turn: nej", "bot: Jeg stiller dig om", f"transfer: low_confidence {T_BS}"]),
    ("custom confirm label", {"intents": {"pas": {"label": "pas og ID-kort"}}}, ["caller: måske pas"],
     ["bot: Goddag", "turn: pas", "bot: Vil du høre om pas og ID-kort?"]),
    ("below the band is no match", {}, ["caller: noget med pas"],
     ["bot: Goddag", "turn: pas", "bot: Det forstod jeg desværre ikke."]),
    ("no band configured", {"thresholds": {"answer": 0.6, "confirm": None}}, ["caller: måske pas"],
     ["bot: Goddag", "turn: pas", "bot: Det forstod jeg desværre ikke."]),
    ("no-match limit: menu once, then the bot offers a person, then transfers",
     {}, ["caller: hmm", "caller: øh", "caller: tja"],
     ["bot: Goddag", "turn: ukendt", f"bot: Det forstod jeg desværre ikke. Prøv at sige det med andre ord. {MENU}",
      "turn: ukendt", f"bot: {OFFER}", "turn: ukendt", "bot: Jeg stiller dig om", f"transfer: no_match_limit {T_BS}"]),
    ("no-input re-prompts then hangs up", {}, ["silence", "silence", "silence"],
     ["bot: Goddag", "bot: Jeg hørte ikke noget.", "bot: Jeg hørte ikke noget.", GOODBYE, "hangup: no_input"]),
    ("no-input limit transfers", {"reprompts": {"max_no_input": 1, "on_no_input_limit": "transfer"}},
     ["silence", "silence"],
     ["bot: Goddag", "bot: Jeg hørte ikke noget.", "bot: Jeg stiller dig om", f"transfer: no_input_limit {T_BS}"]),
    ("empty transcript counts as no input", {"reprompts": {"max_no_input": 0}}, ["caller:"],
     ["bot: Goddag", "turn: ukendt", GOODBYE, "hangup: no_input"]),
    ("silence after anything-else ends the call", {}, ["caller: pas", "silence"],
     ["bot: Goddag", "turn: pas", "bot: Svar om pas.", GOODBYE, "hangup: completed"]),
    ("medarbejder", {}, ["caller: medarbejder"],
     ["bot: Goddag", "turn: medarbejder", "bot: Jeg stiller dig om", f"transfer: caller_request {T_BS}"]),
    ("dtmf 0", {}, ["dtmf: 0"], ["bot: Goddag", "bot: Jeg stiller dig om", f"transfer: caller_request {T_BS}"]),
    ("gentag repeats the last reply", {}, ["caller: pas", "caller: gentag"],
     ["bot: Goddag", "turn: pas", f"bot: Svar om pas. {MORE}", "turn: gentag", f"bot: Svar om pas. {MORE}"]),
    ("intent rule: transfer", {"intents": {"sagsstatus": "transfer:sag"}}, ["caller: min sag"],
     ["bot: Goddag", "turn: sagsstatus", "bot: Jeg stiller dig om", "transfer: intent_rule sip:sag@pbx"]),
    ("intent rule: answer text overrides", {"intents": {"pas": {"text": "Pas koster 891 kroner."}}},
     ["caller: pas"], ["bot: Goddag", "turn: pas", f"bot: Pas koster 891 kroner. {MORE}"]),
    ("intent rule: prompt", {"intents": {"fuldmagt": "prompt:p/fuldmagt.wav"}}, ["caller: fuldmagt"],
     ["bot: Goddag", "turn: fuldmagt", "bot: fuldmagt [p/fuldmagt.wav]", f"bot: {MORE}"]),
    ("followup with an option", {"intents": {"pas": {"action": "followup", "question": "Barn eller voksen?",
                                                     "options": {"barn|børn": "Børnepas: 150 kr."}}}},
     ["caller: pas", "caller: til mit barn"],
     ["bot: Goddag", "turn: pas", "bot: Barn eller voksen?", "turn: ukendt", f"bot: Børnepas: 150 kr. {MORE}"]),
    ("followup without a match falls back", {"intents": {"pas": {"action": "followup", "question": "Barn?",
                                                                 "options": {"barn": "Børnepas."}}}},
     ["caller: pas", "caller: hmm"], ["bot: Goddag", "turn: pas", "bot: Barn?", "turn: ukendt", "bot: Svar om pas."]),
    ("followup, another topic wins", {"intents": {"pas": {"action": "followup", "question": "Barn?",
                                                          "options": {"barn": "Børnepas."}}}},
     ["caller: pas", "caller: flytning"],
     ["bot: Goddag", "turn: pas", "bot: Barn?", "turn: flytning", "bot: Svar om flytning."]),
    ("no answer anywhere → transfer", {}, ["caller: rotter"],
     ["bot: Goddag", "turn: rotter", "bot: Det kan jeg desværre ikke svare på.", "bot: Jeg stiller dig om",
      f"transfer: intent_rule {T_BS}"]),
    ("survey by dtmf", {"survey": {"enabled": True}}, ["caller: pas", "caller: nej", "dtmf: 3"],
     ["bot: Goddag", "turn: pas", "bot: Svar om pas.", "turn: nej", f"{GOODBYE} Hav en god dag. Vil du bedømme",
      "rating: 3", "bot: Tak for din bedømmelse.", "hangup: completed"]),
    ("survey spoken", {"survey": {"enabled": True}}, ["caller: farvel", "caller: tre"],
     ["bot: Goddag", "turn: afslut", f"{GOODBYE} Hav en god dag. Vil du", "turn: ukendt", "rating: 3",
      "bot: Tak for din", "hangup: completed"]),
    ("survey timeout", {"survey": {"enabled": True}}, ["caller: farvel", "dtmf: 7", "silence"],
     ["bot: Goddag", "turn: afslut", f"{GOODBYE} Hav en god dag. Vil du", "hangup: completed"]),
    ("no survey after a transfer", {"survey": {"enabled": True}}, ["dtmf: 0"],
     ["bot: Goddag", "bot: Jeg stiller dig om", f"transfer: caller_request {T_BS}"]),
    ("dtmf menu", {"dtmf_menu": {"prompt": "Tryk 1 for pas.",
                                 "keys": {"1": "pas", "2": "transfer:sag", "9": "repeat"}}},
     ["dtmf: 9", "dtmf: 5", "dtmf: 1", "dtmf: 2"],
     ["bot: Goddag, du har ringet til kommunen. Hvad kan jeg hjælpe dig med? Tryk 1 for pas.",
      "bot: Goddag, du har ringet til kommunen. Hvad kan jeg hjælpe dig med? Tryk 1 for pas.",
      "bot: Svar om pas.", "bot: Jeg stiller dig om", "transfer: caller_request sip:sag@pbx"]),
    ("recording consent first", {"recording_consent": "Samtalen optages."}, ["caller: pas"],
     ["bot: Samtalen optages.", "bot: Goddag", "turn: pas", "bot: Svar om pas."]),
    ("caller hangs up", {}, ["caller: pas", "hangup", "dtmf: 0"], ["bot: Goddag", "turn: pas", "bot: Svar om pas."]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "over", "script", "expected"), CASES, ids=[c[0] for c in CASES])
def test_conversation(name: str, over: dict[str, Any], script: list[str], expected: list[str]) -> None:
    call = run(plan_with(**over), script)
    assert len(call.lines) == len(expected), "\n".join(call.lines)
    for got, want in zip(call.lines, expected, strict=True):
        assert got.startswith(want), f"{got!r} does not start with {want!r}\nall: {call.lines}"
    turns = [a for a in call.actions if isinstance(a, TurnResult)]
    assert len(turns) == call.transcripts  # exactly one TurnResult per Transcript


CLOSED_CASES: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    ("message: hours, then go on", {}, ["caller: medarbejder", "caller: nej"],
     ["bot: Goddag, du har ringet til kommunen. Vi har lukket lige nu, men jeg kan måske hjælpe dig. Hvad kan jeg "
      "hjælpe dig med?",
      "turn: medarbejder",
      "bot: Borgerservice har lukket nu. Vi har åbent mandag til tirsdag fra 9 til 15 og torsdag fra 9 til 17. "
      + MORE, "turn: nej", GOODBYE, "hangup: completed"]),
    ("message: no-match limit ends the call", {}, ["caller: a", "caller: b", "caller: c"],
     ["bot: Goddag", "turn: ukendt", "bot: Det forstod", "turn: ukendt", "bot: Det forstod", "turn: ukendt",
      "bot: Borgerservice har lukket nu.", GOODBYE, "hangup: closed"]),
    ("transfer to the after-hours queue", {"action": "transfer", "queue": "vagt"},
     ["dtmf: 0"], ["bot: Goddag", "bot: Jeg stiller dig om", "transfer: closed_hours sip:vagt@pbx"]),
    ("callback accepted", {"action": "callback"}, ["caller: medarbejder", "caller: ja"],
     ["bot: Goddag", "turn: medarbejder", "bot: Borgerservice har lukket nu. Vi har åbent mandag til tirsdag "
      "fra 9 til 15 og torsdag fra 9 til 17. Vil du ringes op", "turn: ja", "callback: caller_request",
      "bot: Tak. Vi ringer dig op", GOODBYE, "hangup: callback"]),
    ("callback declined", {"action": "callback"}, ["caller: medarbejder", "caller: nej"],
     ["bot: Goddag", "turn: medarbejder", "bot: Borgerservice har lukket nu.", "turn: nej", f"bot: {MORE}"]),
    ("the bot still answers", {}, ["caller: pas"], ["bot: Goddag", "turn: pas", "bot: Svar om pas."]),
    ("opening hours answered from the plan", {}, ["caller: åbningstider"],
     ["bot: Goddag", "turn: aabningstider", "bot: Vi har åbent mandag til tirsdag fra 9 til 15 og torsdag fra 9 til "
      f"17. {MORE}"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "closed", "script", "expected"), CLOSED_CASES, ids=[c[0] for c in CLOSED_CASES])
def test_closed_line(name: str, closed: dict[str, Any], script: list[str], expected: list[str]) -> None:
    plan = plan_with(hours={**HOURS, "when_closed": closed})
    call = run(plan, script, at=CLOSED)
    assert not call.dialog.is_open and call.dialog.open.reason == "Kristi himmelfartsdag"
    assert len(call.lines) == len(expected), "\n".join(call.lines)
    for got, want in zip(call.lines, expected, strict=True):
        assert got.startswith(want), f"{got!r} does not start with {want!r}\nall: {call.lines}"


def test_open_line_transfers_and_hands_over_the_configured_context() -> None:
    call = run(plan_with(hours=HOURS), ["caller: pas", "caller: medarbejder"], at=OPEN)
    transfer = call.actions[-1]
    assert isinstance(transfer, Transfer) and transfer.reason == "caller_request"
    assert transfer.context == {
        "kommune": "Testby", "intents": ["pas", "medarbejder"], "last_topic": "pas",
        "reason": "caller_request", "caller": "+4511223344",
    }  # fmt: skip


def test_without_a_start_time_hours_are_not_applied() -> None:
    call = run(plan_with(hours=HOURS), ["dtmf: 0"], at=None)
    assert call.dialog.is_open and call.lines[-1] == f"transfer: caller_request {T_BS}"


def test_engine_failure_transfers_as_technical_and_still_records_the_turn() -> None:
    call = run(plan_with(), ["caller: pas"], engine=FakeEngine(fail=True))
    assert call.lines[1:] == ["turn: ukendt", "bot: Jeg stiller dig om til en medarbejder. Et øjeblik.",
                              f"transfer: technical {T_BS}"]  # fmt: skip


def test_the_engine_gets_the_plans_kommune() -> None:
    engine = FakeEngine()
    run(plan_with(), ["caller: pas"], engine=engine)
    assert engine.seen == [("pas", "Testby")]


def test_listen_arms_the_no_input_timer_after_the_last_say() -> None:
    d = Dialog(plan_with(recording_consent="Samtalen optages."), FakeEngine(), started_at=OPEN)
    consent, greeting = d.on(CallStarted(0.0, "c"), 0.0)
    assert isinstance(consent, Say) and not consent.barge_in and greeting.barge_in
    assert d.on(PlaybackDone(2.0, consent.say_id), 2.0) == [] and d.next_deadline() is None
    assert d.on(PlaybackDone(5.0, greeting.say_id), 5.0) == [Listen(6.0)]
    assert d.next_deadline() == 11.0
    assert d.on(Timeout(10.0), 10.0) == []  # early or stale timers are ignored


def test_caller_speech_holds_the_no_input_timer() -> None:
    d = Dialog(plan_with(), FakeEngine(), started_at=OPEN)
    (greeting,) = d.on(CallStarted(0.0, "c"), 0.0)
    d.on(PlaybackDone(3.0, greeting.say_id), 3.0)
    d.on(SpeechStarted(8.5), 8.5)
    assert d.next_deadline() == pytest.approx(38.5)  # a long utterance is not "no input"


def test_barge_in_on_the_first_of_two_says_still_arms_the_timer() -> None:
    plan = plan_with(intents={"fuldmagt": "prompt:f.wav"})
    d = Dialog(plan, FakeEngine(), started_at=OPEN)
    (greeting,) = d.on(CallStarted(0.0, "c"), 0.0)
    d.on(PlaybackDone(3.0, greeting.say_id), 3.0)
    acts = d.on(understood(d, FakeEngine(), Transcript("fuldmagt", 0.9, 3.5, 4.0, 4.0)), 4.0)
    first, _second = (a for a in acts if isinstance(a, Say))
    assert d.on(PlaybackDone(4.5, first.say_id, interrupted=True), 4.5) == [Listen(6.0)]


def test_prompt_paths_resolve_next_to_the_dialplan_file(tmp_path: Any) -> None:
    plan = plan_with(greeting={"text": "Goddag.", "prompt": "prompts/goddag.wav"}).with_path(tmp_path / "x.yaml")
    (say,) = Dialog(plan, FakeEngine(), started_at=OPEN).on(CallStarted(0.0, "c"), 0.0)
    assert say.prompt == str(tmp_path / "prompts" / "goddag.wav") and say.text == "Goddag."


def test_a_naive_start_time_is_read_in_the_plans_zone() -> None:
    d = Dialog(plan_with(hours=HOURS), FakeEngine(), started_at=datetime(2026, 5, 14, 10, 0))
    assert not d.is_open and d.open.reason == "Kristi himmelfartsdag"


def test_static_messages_list_fixed_texts_for_prompt_rendering() -> None:
    from voicebot.dialog.text import static_messages

    plan = plan_with(intents={"pas": {"text": "Pas koster 891 kroner.", "source": "https://x"}})
    found = dict(static_messages(plan))
    assert found["greeting"].text == plan.greeting.text
    assert found["intents.pas"].text == "Pas koster 891 kroner."
    assert "messages.confirm" not in found  # "{topic}" is filled per call
