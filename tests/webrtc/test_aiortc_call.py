"""A real WebRTC peer (aiortc) calls the gateway over loopback and holds a conversation."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from peerkit import API_HEADERS, Caller, Server
from speechkit import espeak_pcm

pytestmark = pytest.mark.slow


async def _record(base_url: str, call_id: str, timeout: float = 15.0) -> dict[str, Any]:
    """The call's record once the gateway has finished it."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=10, headers=API_HEADERS) as http:
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
    _caller, greeting_peak, answer_peak, record = asyncio.run(asyncio.wait_for(_conversation(server.url), 100))
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


async def _dtmf_zero(base_url: str) -> tuple[Caller, dict[str, Any]]:
    caller = Caller(base_url)
    try:
        await caller.dial("default")
        await caller.wait_message("connected", 20)
        await caller.wait_bot_turn(time.monotonic() - 5, timeout=30, quiet_s=0.5)
        caller.channel.send('{"type": "dtmf", "digit": "0"}')
        await caller.wait_message("transfer_failed", 30)
        said = await caller.wait_message("caption", 20)  # the bot's first line; wait for the callback offer
        for _ in range(100):  # up to 20 s for the callback offer's caption
            if any(m["type"] == "caption" and "ringes op" in m["text"] for m in caller.messages):
                break
            await asyncio.sleep(0.2)
        assert said
        await caller.wait_bot_turn(time.monotonic() - 1, timeout=30, quiet_s=1.0)  # let the offer play out
    finally:
        await caller.hang_up()
    return caller, await _record(base_url, caller.call_id)


def test_dtmf_zero_without_an_agent_says_so_and_offers_a_call_back(server: Server) -> None:
    # No agent bridge is configured here: nobody can answer, so the page must not be told it is connected.
    caller, record = asyncio.run(asyncio.wait_for(_dtmf_zero(server.url), 90))
    kinds = [m["type"] for m in caller.messages]
    assert "transferring" in kinds and kinds.index("transferring") < kinds.index("transfer_failed")
    assert not any(m["type"] == "transfer" and m.get("answered") for m in caller.messages)
    plan = server.services.dialplans.get("default")
    assert record["transfer"]["target"] == plan.transfer.queues[plan.transfer.human_queue]
    assert record["outcome"] != "transferred"
    assert record["transfer_failures"] == 1
    bot = [t["text"] for t in record["turns"] if t["speaker"] == "bot"]
    assert any("ringes op" in text for text in bot), bot
    captions = [m["text"] for m in caller.messages if m["type"] == "caption" and m["who"] == "bot"]
    assert any("ringes op" in text for text in captions), captions


async def _delete_hangup(base_url: str) -> tuple[int, int, dict[str, Any]]:
    caller = Caller(base_url)
    try:
        await caller.dial("default")
        await caller.wait_message("connected", 20)
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            gone = (await http.delete(f"/api/webrtc/calls/{caller.call_id}")).status_code
            record = await _record(base_url, caller.call_id)
            await caller.wait_message("hangup", 10)  # the page is told, too
            again = (await http.delete(f"/api/webrtc/calls/{caller.call_id}")).status_code
    finally:
        await caller.hang_up()
    return gone, again, record


def test_delete_hangs_up_a_live_call(server: Server) -> None:
    gone, again, record = asyncio.run(asyncio.wait_for(_delete_hangup(server.url), 60))
    assert (gone, again) == (200, 404)
    assert record["end_reason"] == "caller_hangup" and record["outcome"] == "abandoned"


def test_bad_offers_are_refused_and_the_page_is_served(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post("/api/webrtc/offer", json={"sdp": "v=0", "dialplan": "nowhere"}).status_code == 400
        assert http.post("/api/webrtc/offer", json={"sdp": "garbage", "dialplan": "default"}).status_code == 400
        assert http.post("/api/webrtc/offer", json={"sdp": "v=0", "type": "answer"}).status_code == 400
        page = http.get("/call")
        assert page.status_code == 200 and "Ring op" in page.text and 'src="/call.js"' in page.text
        assert "/api/webrtc/offer" in http.get("/call.js").text
        names = [p["name"] for p in http.get("/api/webrtc/dialplans").json()["dialplans"]]
        assert sorted(names) == sorted(server.services.dialplans.names()) and "default" in names
