"""The cyclic garbage collector runs on the pjsip owner thread only (voicebot/transports/sip/endpoint.py)."""

from __future__ import annotations

import gc
from typing import Any

from voicebot.transports.sip.endpoint import OwnerThreadGc


def test_automatic_collection_is_off_and_the_owner_collects_on_schedule() -> None:
    seen: list[int] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    assert gc.isenabled()
    gc.callbacks.append(callback)
    try:
        owner = OwnerThreadGc(young_every_s=1.0, full_every_s=60.0)
        assert not gc.isenabled()
        seen.clear()  # an automatic collection may have run before it was turned off
        start = owner._young
        owner.tick(start + 0.5)
        assert seen == []
        owner.tick(start + 1.0)
        assert seen == [1]
        owner.tick(start + 60.0)
        assert seen == [1, 2]
        owner.tick(start + 60.5)
        assert seen == [1, 2]
        owner.close()
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(callback)
        gc.enable()
