"""When speech fails: the fallback topic menu, keys at yes/no questions, ja/nej read in context,
the bot offering a person, and the no-match limit. Same harness as test_machine."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dialog.test_machine import CLOSED, GOODBYE, MENU, MORE, OFFER, T_BS, TABLE, FakeEngine, plan_with, run
from voicebot.intent.base import IntentResult

NO_MATCH = "bot: Det forstod jeg desværre ikke. Prøv at sige det med andre ord."
CONFIRM = "bot: Vil du høre om pas? Sig ja eller nej. Tryk 1 for ja, 2 for nej."
SORRY = "bot: Undskyld. Hvad kan jeg så hjælpe dig med?"
# What the recogniser made of yes/no answers on 8 kHz espeak audio, and what the open engine read.
GARBLED = {"I og tak": ("afslut", 0.8), "Røj": ("ukendt", 0.1), "Daj tak": ("afslut", 0.7),
           "Der er et dit": ("ukendt", 0.1), "tak": ("afslut", 0.9), "Tak.": ("afslut", 0.9),
           "lidt flytning": ("flytning", 0.2)}  # fmt: skip


class GarbledEngine(FakeEngine):
    def classify(self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None) -> IntentResult:
        if text in GARBLED:
            return IntentResult(*GARBLED[text])
        return super().classify(text, kommune=kommune, context=context)


def lines(script: list[str], **over: Any) -> list[str]:
    return run(plan_with(**over), script, engine=GarbledEngine()).lines


CASES: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    ("menu key after a no-match answers the topic", {}, ["caller: hmm", "dtmf: 1"],
     ["bot: Goddag", "turn: ukendt", f"{NO_MATCH} {MENU}", f"bot: Svar om pas. {MORE}"]),
    ("speech still works after the menu", {}, ["caller: hmm", "caller: flytning"],
     ["bot: Goddag", "turn: ukendt", f"{NO_MATCH} {MENU}", "turn: flytning", f"bot: Svar om flytning. {MORE}"]),
    ("menu keys are dead before the menu was offered", {}, ["dtmf: 2", "caller: pas"],
     ["bot: Goddag", "turn: pas", "bot: Svar om pas."]),
    ("the menu is said once", {"reprompts": {"offer_human_after": None}}, ["caller: hmm", "caller: øh"],
     ["bot: Goddag", "turn: ukendt", f"{NO_MATCH} {MENU}", "turn: ukendt", NO_MATCH]),
    ("the menu after a nej to a confirm", {}, ["caller: måske pas", "caller: nej", "dtmf: 3"],
     ["bot: Goddag", "turn: pas", CONFIRM, "turn: nej", f"{SORRY} {MENU}", "bot: Svar om flytning"]),
    ("menu off", {"fallback_menu": {"enabled": False}}, ["caller: hmm", "dtmf: 2"],
     ["bot: Goddag", "turn: ukendt", NO_MATCH]),
    ("menu keys from the dtmf menu", {"dtmf_menu": {"announce": False, "keys": {"1": "flytning", "9": "repeat"}}},
     ["caller: hmm"], ["bot: Goddag", "turn: ukendt",
                       f"{NO_MATCH} Du kan også trykke 1 for flytning, eller 0 for en medarbejder."]),
    ("own menu prompt and keys", {"fallback_menu": {"keys": {"4": "fuldmagt"}, "prompt": "Tryk 4 for fuldmagt."}},
     ["caller: hmm", "dtmf: 4"],
     ["bot: Goddag", "turn: ukendt", f"{NO_MATCH} Tryk 4 for fuldmagt.", "bot: Svar om fuldmagt."]),
    ("key 1 is yes at a confirm", {}, ["caller: måske pas", "dtmf: 1"],
     ["bot: Goddag", "turn: pas", CONFIRM, f"bot: Svar om pas. {MORE}"]),
    ("key 2 is no at a confirm", {}, ["caller: måske pas", "dtmf: 2"],
     ["bot: Goddag", "turn: pas", CONFIRM, f"{SORRY} {MENU}"]),
    ("'ja tak' heard as 'I og tak' is yes, not goodbye", {}, ["caller: måske pas", "caller: I og tak"],
     ["bot: Goddag", "turn: pas", CONFIRM, "turn: afslut", f"bot: Svar om pas. {MORE}"]),
    ("a bare 'tak' at a confirm is yes", {}, ["caller: måske pas", "caller: Tak."],
     ["bot: Goddag", "turn: pas", CONFIRM, "turn: afslut", "bot: Svar om pas."]),
    ("'nej' heard as 'Røj' is no", {}, ["caller: måske pas", "caller: Røj"],
     ["bot: Goddag", "turn: pas", CONFIRM, "turn: ukendt", f"{SORRY} {MENU}"]),
    ("'nej tak' heard as 'Daj tak' is no", {}, ["caller: måske pas", "caller: Daj tak"],
     ["bot: Goddag", "turn: pas", CONFIRM, "turn: afslut", SORRY]),
    ("'det er rigtigt' heard as 'Der er et dit' is yes", {}, ["caller: måske pas", "caller: Der er et dit"],
     ["bot: Goddag", "turn: pas", CONFIRM, "turn: ukendt", "bot: Svar om pas."]),
    ("'tak' after an answer is still goodbye", {}, ["caller: pas", "caller: tak"],
     ["bot: Goddag", "turn: pas", "bot: Svar om pas.", "turn: afslut", GOODBYE, "hangup: completed"]),
    ("a new topic at a confirm is taken", {}, ["caller: måske pas", "caller: flytning"],
     ["bot: Goddag", "turn: pas", CONFIRM, "turn: flytning", "bot: Svar om flytning."]),
    ("second no-match: the bot offers a person, ja transfers", {}, ["caller: hmm", "caller: øh", "caller: ja"],
     ["bot: Goddag", "turn: ukendt", f"{NO_MATCH} {MENU}", "turn: ukendt", f"bot: {OFFER}", "turn: ja",
      "bot: Jeg stiller dig om", f"transfer: no_match_limit {T_BS}"]),
    ("the offer answered with key 1", {}, ["caller: hmm", "caller: øh", "dtmf: 1"],
     ["bot: Goddag", "turn: ukendt", f"{NO_MATCH} {MENU}", "turn: ukendt", f"bot: {OFFER}",
      "bot: Jeg stiller dig om", f"transfer: no_match_limit {T_BS}"]),
    ("the offer declined, the caller goes on", {}, ["caller: hmm", "caller: øh", "caller: nej", "caller: pas"],
     ["bot: Goddag", "turn: ukendt", f"{NO_MATCH} {MENU}", "turn: ukendt", f"bot: {OFFER}", "turn: nej", SORRY,
      "turn: pas", "bot: Svar om pas."]),
    ("the same weak guess twice is confirmed", {}, ["caller: noget med pas", "caller: noget med pas", "caller: ja"],
     ["bot: Goddag", "turn: pas", f"{NO_MATCH} {MENU}", "turn: pas", CONFIRM, "turn: ja", "bot: Svar om pas."]),
    ("two different weak guesses are not", {}, ["caller: noget med pas", "caller: lidt flytning"],
     ["bot: Goddag", "turn: pas", f"{NO_MATCH} {MENU}", "turn: flytning", f"bot: {OFFER}"]),
    ("no-match limit can still hang up, if the plan says so",
     {"reprompts": {"on_no_match_limit": "hangup", "offer_human_after": None}},
     ["caller: a", "caller: b", "caller: c"],
     ["bot: Goddag", "turn: ukendt", NO_MATCH, "turn: ukendt", NO_MATCH, "turn: ukendt", GOODBYE,
      "hangup: no_match"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "over", "script", "expected"), CASES, ids=[c[0] for c in CASES])
def test_when_speech_fails(name: str, over: dict[str, Any], script: list[str], expected: list[str]) -> None:
    got = lines(script, **over)
    assert len(got) == len(expected), "\n".join(got)
    for line, want in zip(got, expected, strict=True):
        assert line.startswith(want), f"{line!r} does not start with {want!r}\nall: {got}"


def test_closed_line_offers_no_person_it_cannot_reach() -> None:
    got = run(plan_with(hours={"weekly": {"mon": "09:00-15:00"}}), ["caller: a", "caller: b"], at=CLOSED).lines
    assert [line for line in got if line.startswith("bot: Skal jeg stille dig videre")] == []
    assert got[-1].startswith(NO_MATCH)


def test_the_default_no_match_limit_is_a_transfer() -> None:
    plan = plan_with()
    assert plan.reprompts.on_no_match_limit == "transfer" and plan.fallback_menu.enabled
    assert plan.fallback_keys() == {"1": "pas", "2": "koerekort", "3": "flytning"}
    assert "tak" not in TABLE  # the garbled answers come from GarbledEngine, not the shared table
