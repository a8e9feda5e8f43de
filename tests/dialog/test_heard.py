"""A rejected guess goes to `heard`: never into `intents`, the handoff context, or the REFER headers."""

from __future__ import annotations

from typing import Any

from dialogkit import understood

from voicebot.calls.record import CallRecord, Turn
from voicebot.dialog.machine import Dialog
from voicebot.dialog.plan import Dialplan
from voicebot.frames import CallStarted, Say, Transcript, Transfer, TurnResult
from voicebot.intent.base import POINTER, IntentResult
from voicebot.pipeline.recorder import CallRecorder
from voicebot.transports.sip.headers import handover_headers

TABLE = {"noget med pas": ("pas", 0.123), "måske pas": ("pas", 0.45), "nej": ("nej", 0.9), "ja": ("ja", 0.9),
         "medarbejder": ("medarbejder", 0.95), "flytning": ("flytning", 0.9)}  # fmt: skip


class TableEngine:
    def classify(self, text: str, *, kommune: str | None = None, context: dict[str, Any] | None = None) -> IntentResult:
        intent, conf = TABLE.get(text, ("ukendt", 0.0))
        return IntentResult(intent, conf, answer=f"Svar om {intent}." if intent in ("pas", "flytning") else None)


def _call(*texts: str) -> tuple[Dialog, CallRecord, list[Any]]:
    plan = Dialplan.model_validate({"kommune": "Odder", "transfer": {"context": ["kommune", "intents", "reason"]}})
    dialog = Dialog(plan, None, "c1")
    engine = TableEngine()
    record = CallRecord("c1", plan.name, plan.kommune, "2026-03-10T10:00:00+01:00")
    actions: list[Any] = list(dialog.on(CallStarted(0.0, "c1", called="+4587803333", caller="+4511223344"), 0.0))
    for i, text in enumerate(texts):
        event = understood(dialog, engine, Transcript(text, 0.9, float(i), i + 0.5, i + 0.6))
        for act in dialog.on(event, i + 0.6):
            actions.append(act)
            if isinstance(act, TurnResult):
                record.add_caller_turn(Turn("caller", act.text, act.start_s, act.end_s, act.intent, act.confidence,
                                            act.acted))  # fmt: skip
    return dialog, record, actions


def test_rejected_guess_is_heard_not_acted_on():
    dialog, record, actions = _call("noget med pas", "medarbejder")
    transfer = next(a for a in actions if isinstance(a, Transfer))
    assert record.intents == ["medarbejder"] and dialog.intents == ["medarbejder"]
    assert [(h.intent, h.confidence) for h in record.heard] == [("pas", 0.123)]
    assert transfer.context["intents"] == ["medarbejder"]
    headers = dict(handover_headers({**transfer.context, "call_id": "c1"}))
    assert headers["X-Voicebot-Intent"] == "medarbejder" and "pas" not in headers["X-Voicebot-Intent"]
    out = record.to_dict()
    assert out["intents"] == ["medarbejder"] and out["heard"][0]["intent"] == "pas"


def test_a_guess_the_caller_denies_stays_out_of_the_handoff():
    _, record, actions = _call("måske pas", "nej", "medarbejder")
    transfer = next(a for a in actions if isinstance(a, Transfer))
    assert "pas" not in transfer.context["intents"] and "pas" not in record.intents
    assert [h.intent for h in record.heard] == ["pas"]


def test_a_confirmed_guess_is_acted_on():
    dialog, record, _ = _call("måske pas", "ja", "flytning")
    assert record.intents == ["pas", "flytning"] and dialog.answered == ["pas", "flytning"]


def test_a_pointer_is_an_answer_so_the_call_is_contained():
    plan = Dialplan.model_validate({"kommune": "Odder"})
    dialog = Dialog(plan, None, "c2")
    dialog.on(CallStarted(0.0, "c2"), 0.0)
    res = IntentResult(POINTER, 0.9, {"pointer": "skat"}, "Spørgsmål om skat besvarer Skattestyrelsen.")
    acts = dialog.on(Transcript("hvordan får jeg min årsopgørelse", 0.9, 1.0, 2.0, 2.1, intent=res), 2.1)
    says = [a.text for a in acts if isinstance(a, Say)]
    assert says[0].startswith("Spørgsmål om skat besvarer Skattestyrelsen.") and "Er der andet" in says[0]
    assert dialog.answered == [POINTER] and dialog.intents == [POINTER]
    record = CallRecord("c2", plan.name, plan.kommune, "2026-03-10T10:00:00+01:00")
    assert CallRecorder(record).finish("caller_hangup", dialog.answered).outcome == "contained"


def test_the_stored_record_keeps_heard_out_of_intents(tmp_path):
    from voicebot.calls.store import CallStore

    _, record, _ = _call("noget med pas", "medarbejder")
    store = CallStore(f"sqlite:///{tmp_path / 'calls.db'}")
    store.start(record)
    for turn in record.turns:
        store.add_turn(record, turn)
    record.outcome = "transferred"
    store.finish(record)
    stored = store.get("c1")
    assert stored["intents"] == ["medarbejder"]
    assert [h["intent"] for h in stored["heard"]] == ["pas"]
