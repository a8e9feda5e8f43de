"""A browser caller who presses 0 is bridged to a human agent's SIP phone (a sipp UAS).

The gateway calls the agent's queue with the `X-Voicebot-*` context headers (sipp checks them and
fails otherwise); when the agent answers, the page says "Du er stillet videre", and the agent
hears the browser: sipp echoes the caller's audio, which the page receives. The agent hangs up
after a few seconds. Chromium with a fake microphone; a screenshot goes to out/screenshots/.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import uvicorn
from cdpkit import Browser
from peerkit import API_HEADERS, READER_TOKEN, Server
from speechkit import espeak_pcm

from voicebot.api.app import create_app
from voicebot.config import load_settings
from voicebot.gateway import build_services
from voicebot.transports.wav import write_wav
from voicebot.transports.webrtc.ice import reset_host_addresses
from voicebot.transports.webrtc.peer import WebRtcConfig, WebRtcGateway

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
RATE = 48000


def _free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def bridged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    """The app with an agent bridge, and one dialplan whose queue is the sipp agent's port."""
    tmp = tmp_path_factory.mktemp("bridge")
    agent_port = _free_port()
    plans = tmp / "dialplans"
    plans.mkdir()
    (plans / "agentby.yaml").write_text(
        "schema: 1\nkommune: Agentby\ngreeting: \"Goddag, du har ringet til Agentby Kommune.\"\n"
        f"transfer:\n  human_queue: bs\n  queues: {{bs: \"sip:agent@127.0.0.1:{agent_port}\"}}\n",
        encoding="utf-8",
    )
    (plans / "nobody.yaml").write_text(  # an agent queue where no phone answers
        "schema: 1\nkommune: Tomby\ngreeting: \"Goddag, du har ringet til Tomby Kommune.\"\n"
        f"transfer:\n  human_queue: bs\n  queues: {{bs: \"sip:agent@127.0.0.1:{_free_port()}\"}}\n",
        encoding="utf-8",
    )
    settings = dataclasses.replace(
        load_settings(), database_url=f"sqlite:///{tmp / 'calls.db'}", api_tokens=f"{READER_TOKEN}:viewer"
    )
    services = build_services(settings, plans)
    app = create_app(services)
    app.state.webrtc = WebRtcGateway(
        services, WebRtcConfig(ice_addresses=("127.0.0.1",), agent_sip_port=_free_port())
    )
    port = _free_port(socket.SOCK_STREAM)
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, name="uvicorn-bridge", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", services), agent_port
    finally:
        uv.should_exit = True  # the app's lifespan closes the WebRTC gateway and its SIP endpoint
        thread.join(20)
        reset_host_addresses()


def _agent(tmp: Path, port: int, name: str = "agent_echo.xml") -> tuple[subprocess.Popen[bytes], Path]:
    sc = tmp / name
    sc.write_text((HERE / "scenarios" / name).read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.Popen(
        ["sipp", "-sf", str(sc), "-i", "127.0.0.1", "-p", str(port), "-mp", str(_free_port()), "-rtp_echo",
         "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error", "-trace_msg", "-message_file",
         str(sc.with_suffix(".msg")), "-trace_err", "-error_file", str(sc.with_suffix(".err"))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd=tmp,
    )  # fmt: skip
    return proc, sc


def _log(sc: Path) -> str:
    parts = [p.read_text(errors="replace") for p in (sc.with_suffix(".msg"), sc.with_suffix(".err")) if p.exists()]
    return "\n".join(parts)[-4000:]


async def _bridge_call(server: Server, tmp: Path, shots: Path) -> dict[str, Any]:
    speech = espeak_pcm("Jeg vil gerne have hjælp til mit pas.", RATE)
    talk = np.concatenate([speech, np.zeros(RATE // 4, np.int16)])
    write_wav(tmp / "mic.wav", np.tile(talk, 6), RATE)  # the caller keeps talking (Chromium loops the file)
    browser = Browser(tmp / "profile", tmp / "mic.wav", tmp / "chromium.log")
    out: dict[str, Any] = {}
    try:
        await browser.open(f"{server.url}/call")
        await browser.wait_for("document.querySelectorAll('#dialplan option').length > 0", 15, "no dialplans listed")
        await browser.js("document.getElementById('dialplan').value = 'agentby'")
        await browser.js("document.getElementById('call').click()")
        await browser.wait_for("document.body.dataset.state === 'connected'", 30, "page not connected")
        out["call_id"] = await browser.js("document.body.dataset.callId")
        await browser.js("document.querySelector('#keypad button[aria-label^=\"Tast 0\"]').click()")
        await browser.wait_for("document.body.dataset.state === 'bridged'", 40, "not bridged")
        out["hangup_enabled"] = await browser.js("!document.getElementById('hangup').disabled")
        before = float(await browser.js("document.body.dataset.botEnergy"))
        await asyncio.sleep(4.0)  # the agent echoes what the browser sends
        out["energy_gain"] = float(await browser.js("document.body.dataset.botEnergy")) - before
        out["page"] = await browser.js("document.body.innerText")
        await browser.screenshot(shots / "call-bridged.png")
        # when the agent hangs up the call ends; the page still says who took it
        await browser.wait_for("document.getElementById('hangup').disabled", 20, "call still up after the agent left")
        out["end_state"] = await browser.js("document.body.dataset.state")
        return out
    finally:
        await browser.close()


async def _record(base_url: str, call_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10, headers=API_HEADERS) as http:
        for _ in range(100):
            rec = (await http.get(f"/api/calls/{call_id}")).json()
            if rec.get("live") is False:
                return rec  # type: ignore[no-any-return]
            await asyncio.sleep(0.2)
    raise TimeoutError(call_id)


def test_key_0_bridges_the_browser_to_a_sip_agent(bridged: tuple[Server, int], tmp_path: Path, artefacts: Path):
    server, agent_port = bridged
    agent, sc = _agent(tmp_path, agent_port)
    try:
        page = asyncio.run(asyncio.wait_for(_bridge_call(server, tmp_path, artefacts), 90))
        assert agent.wait(30) == 0, _log(sc)  # sipp checked the X-Voicebot headers and got its 200 to BYE
    finally:
        if agent.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(agent.pid, signal.SIGKILL)
    assert "Du er stillet videre" in page["page"] and page["end_state"] == "transferred"
    assert page["hangup_enabled"]  # while talking to the agent the caller can hang up
    assert page["energy_gain"] > 0.001, page  # the agent's audio (its echo of the caller) reached the page
    record = asyncio.run(_record(server.url, page["call_id"]))
    assert record["outcome"] == "transferred" and record["transfer_via"] == "bridge", record
    assert not record.get("transfer_failures")


async def _nobody_answers(server: Server, tmp: Path) -> str:
    write_wav(tmp / "mic.wav", np.zeros(RATE, np.int16), RATE)
    browser = Browser(tmp / "profile", tmp / "mic.wav", tmp / "chromium.log")
    try:
        await browser.open(f"{server.url}/call")
        await browser.wait_for("document.querySelectorAll('#dialplan option').length > 1", 15, "no dialplans listed")
        await browser.js("document.getElementById('dialplan').value = 'nobody'")
        await browser.js("document.getElementById('call').click()")
        await browser.wait_for("document.body.dataset.state === 'connected'", 30, "page not connected")
        call_id = str(await browser.js("document.body.dataset.callId"))
        await browser.js("document.querySelector('#keypad button[aria-label^=\"Tast 0\"]').click()")
        await browser.wait_for("document.body.dataset.state === 'no_agent'", 40, "no 'no agent' screen")
        assert "Du er stillet videre" not in await browser.js("document.body.innerText")
        await browser.js("document.getElementById('hangup').click()")
        return call_id
    finally:
        await browser.close()


def test_with_a_bridge_but_no_agent_answering_the_page_offers_a_call_back(bridged: tuple[Server, int],
                                                                          tmp_path: Path) -> None:  # fmt: skip
    server, _ = bridged
    call_id = asyncio.run(asyncio.wait_for(_nobody_answers(server, tmp_path), 90))
    record = asyncio.run(_record(server.url, call_id))
    assert record.get("transfer_failures") == 1 and record["outcome"] != "transferred"


async def _caller_hangs_up(server: Server, tmp: Path) -> str:
    write_wav(tmp / "mic.wav", np.zeros(RATE, np.int16), RATE)
    browser = Browser(tmp / "profile", tmp / "mic.wav", tmp / "chromium.log")
    try:
        await browser.open(f"{server.url}/call")
        await browser.wait_for("document.querySelectorAll('#dialplan option').length > 0", 15, "no dialplans listed")
        await browser.js("document.getElementById('dialplan').value = 'agentby'")
        await browser.js("document.getElementById('call').click()")
        await browser.wait_for("document.body.dataset.state === 'connected'", 30, "page not connected")
        call_id = str(await browser.js("document.body.dataset.callId"))
        await browser.js("document.querySelector('#keypad button[aria-label^=\"Tast 0\"]').click()")
        await browser.wait_for("document.body.dataset.state === 'bridged'", 40, "not bridged")
        await asyncio.sleep(1.0)
        await browser.js("document.getElementById('hangup').click()")
        await browser.wait_for("document.body.dataset.state === 'ended'", 10, "page did not hang up")
        return call_id
    finally:
        await browser.close()


def test_a_bridged_caller_who_hangs_up_ends_the_agent_call(bridged: tuple[Server, int], tmp_path: Path) -> None:
    server, agent_port = bridged
    agent, sc = _agent(tmp_path, agent_port, "agent_waits.xml")
    try:
        call_id = asyncio.run(asyncio.wait_for(_caller_hangs_up(server, tmp_path), 90))
        assert agent.wait(30) == 0, _log(sc)  # the agent got the gateway's BYE
    finally:
        if agent.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(agent.pid, signal.SIGKILL)
    record = asyncio.run(_record(server.url, call_id))
    assert record["outcome"] == "transferred" and record["transfer_via"] == "bridge"
