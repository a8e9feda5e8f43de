"""What the session does before the dialog sees a caller transcript, for dialog-level tests:
classify it once with the dialog's own context (the dialog itself never calls an engine)."""

from __future__ import annotations

import dataclasses
from typing import Any

from voicebot.dialog.machine import Dialog
from voicebot.frames import Transcript


def understood(dialog: Dialog, engine: Any, event: Any) -> Any:
    """`event` with its IntentResult attached when it is a caller transcript; an engine failure
    leaves it without one, which the dialog treats as a technical fault."""
    if not isinstance(event, Transcript) or event.intent is not None or not event.text.strip():
        return event
    try:
        result = engine.classify(event.text, kommune=dialog.plan.kommune, context=dialog.intent_context())
    except Exception:  # noqa: BLE001 - any engine failure: the dialog must see the turn with no intent
        return event
    return dataclasses.replace(event, intent=result)
