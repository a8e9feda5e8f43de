"""Call control for a browser call: transfer, and hang-up (which closes the connection).

A browser cannot be REFERred to an agent's phone. A transfer succeeds only when an agent
bridge is configured and a person answers; otherwise it fails honestly, the dialog says so and
offers a call back, and the page shows the opening hours and a callback form. The page is never
told it is connected when nobody is there.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Messenger(Protocol):
    def send(self, message: dict[str, Any]) -> bool: ...

    async def close(self, reason: str) -> None: ...


# bridge(target, context) -> True when a person answered and the caller is now talking to them
Bridge = Callable[[str, dict[str, Any]], Awaitable[bool]]


def danish_number(text: str) -> str | None:
    """'22 34 56 78', '+45 22345678', '0045…' → '+4522345678'; anything else → None."""
    digits = re.sub(r"[\s\-().]", "", text or "")
    digits = re.sub(r"^(\+45|0045)", "", digits)
    return f"+45{digits}" if re.fullmatch(r"[2-9]\d{7}", digits) else None


class WebRtcControl:
    def __init__(self, peer: Messenger, bridge: Bridge | None = None) -> None:
        self.peer = peer
        self.bridge = bridge
        self.via: str | None = None  # "bridge" once an agent answered (the record's transfer_via)
        self.transfers: list[tuple[str, dict[str, Any]]] = []

    async def transfer(self, target: str, context: dict[str, Any]) -> bool:
        self.transfers.append((target, context))
        self.peer.send({"type": "transferring"})
        answered = False
        if self.bridge is not None:
            try:
                answered = await self.bridge(target, context)
            except Exception:  # the agent leg is an adapter boundary: a failure is "nobody answered"
                log.exception("browser call: agent bridge failed")
        if answered:
            self.via = "bridge"
            summary = {k: v for k, v in context.items() if _plain(v) and k in ("kommune", "intents", "reason")}
            self.peer.send({"type": "transfer", "answered": True, "context": summary})
        else:
            self.peer.send({"type": "transfer_failed"})
        return answered

    async def hangup(self, reason: str) -> None:
        await self.peer.close(reason)


def _plain(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
