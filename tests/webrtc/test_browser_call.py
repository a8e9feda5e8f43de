"""Headless Chromium opens /call, presses "Ring op", talks through a fake microphone (a WAV
of a Danish question) and hears the bot; the same pipeline records the call."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from cdpkit import CHROMIUM, Browser
from peerkit import API_HEADERS, Server
from speechkit import espeak_pcm

from voicebot.transports.wav import write_wav

pytestmark = pytest.mark.slow
RATE = 48000


def fake_microphone(path: Path) -> Path:
    """Silence through the greeting, the question, then silence (Chromium loops the file)."""
    question = espeak_pcm("Hvad koster et nyt pas?", RATE)
    pcm = np.concatenate([np.zeros(7 * RATE, np.int16), question, np.zeros(20 * RATE, np.int16)])
    write_wav(path, pcm, RATE)
    return path


async def _browser_call(server: Server, tmp: Path) -> tuple[dict[str, Any], dict[str, Any], Path]:
    browser = Browser(tmp / "profile", fake_microphone(tmp / "mic.wav"), tmp / "chromium.log")
    try:
        await browser.open(f"{server.url}/call")
        await browser.wait_for("document.querySelectorAll('#dialplan option').length > 0", 15, "no dialplans listed")
        await browser.js("document.getElementById('dialplan').value = 'default'")
        await browser.js("document.getElementById('call').click()")
        await browser.wait_for("document.body.dataset.state === 'connected'", 30, "page not connected")
        await browser.wait_for("Number(document.body.dataset.botEnergy) > 0.01", 30, "no bot audio energy")
        greeting = await browser.js("({...document.body.dataset})")
        call_id = greeting["callId"]
        # The question starts 7 s into the fake microphone: wait for the caller turn in the record.
        await _wait_caller_turn(server.url, call_id, 40)
        shot = await browser.screenshot(tmp / "call.png")
        later = await browser.js("({...document.body.dataset})")
        greeting["packetsLater"], greeting["energyLater"] = later["botPackets"], later["botEnergy"]
        await browser.js("document.getElementById('hangup').click()")
        await browser.wait_for("document.body.dataset.state === 'ended'", 10, "page did not end the call")
        return greeting, await _finished(server.url, call_id, 15), shot
    finally:
        await browser.close()


async def _wait_caller_turn(base_url: str, call_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=10, headers=API_HEADERS) as http:
        while time.monotonic() < deadline:
            rec = (await http.get(f"/api/calls/{call_id}")).json()
            speakers = [t["speaker"] for t in rec.get("turns", [])]
            if "caller" in speakers and "bot" in speakers[speakers.index("caller") + 1 :]:
                return
            await asyncio.sleep(0.3)
    raise TimeoutError(f"no caller turn answered by the bot in call {call_id}: {rec}")


async def _finished(base_url: str, call_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=10, headers=API_HEADERS) as http:
        while time.monotonic() < deadline:
            rec = (await http.get(f"/api/calls/{call_id}")).json()
            if rec.get("live") is False:
                return rec  # type: ignore[no-any-return]
            await asyncio.sleep(0.2)
    raise TimeoutError(f"call {call_id} still live after the page hung up")


def test_chromium_calls_from_the_page(server: Server, tmp_path: Path) -> None:
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} missing: install the Debian package chromium (make test does)"
    page, record, shot = asyncio.run(asyncio.wait_for(_browser_call(server, tmp_path), 110))
    assert page["state"] == "connected"
    assert float(page["botEnergy"]) > 0.01, page
    assert int(page["packetsLater"]) > 100 and float(page["energyLater"]) > float(page["botEnergy"]), page
    assert record["channel"] == "webrtc" and record["end_reason"] == "caller_hangup"
    speakers = [t["speaker"] for t in record["turns"]]
    assert speakers[0] == "bot" and "caller" in speakers, record["turns"]
    assert record["webrtc"]["rx_frames"] > 100
    assert shot.stat().st_size > 1000
    print("screenshot:", shot, "page:", page, "turns:", record["turns"])
