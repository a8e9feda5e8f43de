"""A chat session: the dialog state machine of a phone call, driven by typed text.

The chat answers with exactly what the phone would say for the same intent result: the same
`Dialog`, the same dialplan (thresholds, labels, answer texts, handoff rules), the same knowledge
base. Only the channel differs: there is no audio, no timers, and the greeting is the page's job.
The reply is the dialog's `Say` texts joined, so "chat answer == the phone's Say text" holds by
construction and is tested in tests/api/test_chat_parity.py.

Pure apart from the engine call: time enters only as `started_at` (for opening hours).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from voicebot.dialog.machine import Dialog
from voicebot.dialog.plan import Dialplan
from voicebot.dialog.registry import DialplanRegistry
from voicebot.frames import CallStarted, Hangup, Say, Transcript, Transfer, TurnResult
from voicebot.intent.base import TOPIC_INTENTS, IntentEngine, IntentResult
from voicebot.intent.entities import canonical_kommune


def plan_for(registry: DialplanRegistry, kommune: str | None) -> Dialplan:
    """The dialplan a kommune's citizens reach; a kommune without one gets the default plan for it."""
    default = registry.get("default")
    if not kommune:
        return default
    name = canonical_kommune(kommune)
    for plan_name in registry.names():
        plan = registry.get(plan_name)
        if name and canonical_kommune(plan.kommune) == name:
            return plan
    return default.model_copy(update={"kommune": name or kommune})


@dataclass
class ChatReply:
    intent: str
    confidence: float
    answer: str
    result: IntentResult  # what the engine made of the text (alternatives, entities)
    acted: tuple[str, ...] = ()
    handoff: bool = False
    transfer: dict[str, Any] | None = None  # reason and the context an agent would get
    ended: bool = False
    says: list[str] = field(default_factory=list)

    @property
    def sources(self) -> list[dict[str, str]]:
        """Each source of the answer, with whose page it is ("Odder Kommune", "borger.dk", …)."""
        urls = list(self.result.entities.get("sources") or [])
        owners = list(self.result.entities.get("source_owners") or [])
        owners += ["?"] * (len(urls) - len(owners))  # a remote NLU may not say
        return [{"url": u, "from": o} for u, o in zip(urls, owners, strict=False)]


class ChatSession:
    def __init__(
        self, plan: Dialplan, engine: IntentEngine, session_id: str = "", *, started_at: datetime | None = None
    ) -> None:
        self.plan = plan
        self.engine = engine
        self.session_id = session_id
        self.started_at = started_at
        self.lock = threading.Lock()  # one turn at a time per session
        self.turns = 0
        self.dialog = self._new_dialog()

    def _new_dialog(self) -> Dialog:
        kb = getattr(self.engine, "kb", None)  # DTMF-style topic answers, as the gateway wires a call
        dialog = Dialog(self.plan, kb, self.session_id, started_at=self.started_at)
        dialog.on(CallStarted(0.0, self.session_id), 0.0)  # the greeting is shown by the page, not repeated per turn
        return dialog

    def ask(self, text: str) -> ChatReply:
        if self.dialog.ended:  # after a goodbye or a handoff, a new message starts a new conversation
            self.dialog = self._new_dialog()
        # classified once, with what the dialog says about the conversation, as a call's turn is
        res = self.engine.classify(text, kommune=self.plan.kommune, context=self.dialog.intent_context())
        self.turns += 1
        t = float(self.turns)
        actions = self.dialog.on(Transcript(text, 1.0, t, t, t, intent=res), t)
        says = [a.text for a in actions if isinstance(a, Say)]
        acted = next((a.acted or () for a in actions if isinstance(a, TurnResult)), ())
        transfer = next((a for a in actions if isinstance(a, Transfer)), None)
        topic = next((i for i in acted if i in TOPIC_INTENTS), None)
        intent, conf = (topic, 1.0) if topic and topic != res.intent else (res.intent, res.confidence)
        return ChatReply(
            intent=intent, confidence=conf, answer=" ".join(says), result=res, acted=tuple(acted),
            handoff=transfer is not None,
            transfer={"reason": transfer.reason, "context": transfer.context} if transfer else None,
            ended=any(isinstance(a, Hangup) for a in actions) or transfer is not None, says=says,
        )  # fmt: skip
