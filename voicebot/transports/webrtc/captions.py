"""Live captions for a browser call: what the bot heard and what it said, over the data channel.

The tap wraps the call's `Dialog.on` and forwards each caller turn (the recognised text) and each
bot `Say` to the page as `{"type": "caption", "who": "caller"|"bot", "text": …}`. The captions go
only to the caller's own browser; nothing is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voicebot.frames import Say, TurnResult


def caption_messages(actions: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for act in actions:
        if isinstance(act, TurnResult) and act.text.strip():
            out.append({"type": "caption", "who": "caller", "text": act.text.strip()})
        elif isinstance(act, Say) and act.text.strip():
            out.append({"type": "caption", "who": "bot", "text": act.text.strip(), "say_id": act.say_id})
    return out


def tap_dialog(dialog: Any, send: Callable[[dict[str, Any]], bool]) -> None:
    """Forward the dialog's caller turns and bot lines to `send` as they happen."""
    inner = dialog.on

    def on(event: Any, now: float) -> list[Any]:
        actions = inner(event, now)
        for message in caption_messages(actions):
            send(message)
        return actions

    dialog.on = on
