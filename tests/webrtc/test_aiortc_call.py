"""A real WebRTC peer (aiortc) calls the gateway over loopback and holds a conversation."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from conftest import Server
from peerkit import Caller
from speechkit import espeak_pcm

pytestmark = pytest.mark.slow


async def _record(base_url: str, call_id: str, timeout: float = 15.0) -> dict[str, Any]:
    """The call's record once the gateway has finished it."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        while True:
            res = await http.get(f"/api/calls/{call_id}")
            if res.status_code == 200 and not res.json()["live"]:
                return res.json()  # type: ignore[no-any-return]
            if time.monotonic() > deadline:
                raise TimeoutError(f"call {call_id} not finished: {res.status_code} {res.text[:300]}")
            await asyncio.sleep(0.2)


async def _conversation(base_url: str) -> tuple[Caller, float, float, dict[str, Any]]:
    caller = Caller(base_url)
    try:
        await caller.dial("default")
        connected = await caller.wait_message("connected", 20)
        assert connected["call_id"] == caller.call_id
        greeting_peak = await caller.wait_bot_turn(time.monotonic() - 5, timeout=30)
        spoke = time.monotonic()
        duration = caller.mic.say(espeak_pcm("Hvad koster et nyt pas?", 48000))
        answer_peak = await caller.wait_bot_turn(spoke + duration, timeout=40)
    finally:
        await caller.hang_up()
    record = await _record(base_url, caller.call_id)
    return caller, greeting_peak, answer_peak, record


def test_aiortc_caller_hears_greeting_and_answer(server: Server) -> None:
    caller, greeting_peak, answer_peak, record = asyncio.run(asyncio.wait_for(_conversation(server.url), 100))
    assert greeting_peak > 1000, "the greeting arrived without energy"
    assert answer_peak > 1000, "no bot audio with energy after the question"
    speakers = [t["speaker"] for t in record["turns"]]
    assert "caller" in speakers and speakers.count("bot") >= 2, record["turns"]
    first_caller = speakers.index("caller")
    assert "bot" in speakers[first_caller + 1 :], "the bot did not answer the caller"
    caller_turn = record["turns"][first_caller]
    assert caller_turn["text"].strip(), caller_turn
    assert record["channel"] == "webrtc"
    assert record["end_reason"] == "caller_hangup"
    assert record["webrtc"]["rx_frames"] > 100
    assert record["response_gaps_ms"], "no response gap measured"
    print("caller turn:", caller_turn, "gaps:", record["response_gaps_ms"], "outcome:", record["outcome"])
