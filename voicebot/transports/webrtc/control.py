"""Call control for a browser call: transfer tells the page, hang-up closes the connection.

A browser cannot be REFERred to an agent's phone, so a transfer tells the page who takes
over and with what context (the agent desktop gets the same context from the call record);
the record keeps the transfer and the call then ends like a SIP call after its REFER.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Messenger(Protocol):
    def send(self, message: dict[str, Any]) -> bool: ...

    async def close(self, reason: str) -> None: ...


class WebRtcControl:
    def __init__(self, peer: Messenger) -> None:
        self.peer = peer
        self.transfers: list[tuple[str, dict[str, Any]]] = []

    async def transfer(self, target: str, context: dict[str, Any]) -> bool:
        self.transfers.append((target, context))
        summary = {k: v for k, v in context.items() if _plain(v)}
        self.peer.send({"type": "transfer", "target": target, "context": summary})
        return True

    async def hangup(self, reason: str) -> None:
        await self.peer.close(reason)


def _plain(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
