"""Fixtures for browser-call tests: the real FastAPI app served by uvicorn on a free loopback
port, in a thread with its own event loop, with ICE restricted to 127.0.0.1."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from peerkit import READER_TOKEN, Server

from voicebot.api.app import create_app
from voicebot.config import load_settings
from voicebot.gateway import build_services
from voicebot.transports.webrtc.ice import reset_host_addresses
from voicebot.transports.webrtc.peer import WebRtcConfig, WebRtcGateway

REPO = Path(__file__).resolve().parents[2]
# the shipped plans plus one that is open around the clock, so the hours a page shows do not
# depend on when the tests run
WEBTEST_PLAN = """schema: 1
kommune: Testby
retention_days: 30
greeting: "Goddag, du har ringet til Testby Kommune. Hvad kan jeg hjælpe dig med?"
hours:
  timezone: Europe/Copenhagen
  weekly: {mon: "00:00-23:59", tue: "00:00-23:59", wed: "00:00-23:59", thu: "00:00-23:59", fri: "00:00-23:59",
           sat: "00:00-23:59", sun: "00:00-23:59"}
  public_holidays: false
transfer:
  human_queue: borgerservice
  queues: {borgerservice: "sip:borgerservice@127.0.0.1:9"}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("webrtc")
    settings = dataclasses.replace(
        load_settings(), database_url=f"sqlite:///{tmp / 'calls.db'}", api_tokens=f"{READER_TOKEN}:viewer"
    )
    plans = tmp / "dialplans"
    shutil.copytree(REPO / "dialplans", plans)
    (plans / "webtest.yaml").write_text(WEBTEST_PLAN, encoding="utf-8")
    services = build_services(settings, plans)
    services.recognizer(services.dialplans.get("default"))  # load Whisper once, before any call
    app = create_app(services)
    app.state.webrtc = WebRtcGateway(services, WebRtcConfig(ice_addresses=("127.0.0.1",)))
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", services)
    finally:
        uv.should_exit = True
        thread.join(15)
        reset_host_addresses()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where page tests keep their screenshots for people to look at (git-ignored)."""
    folder = REPO / "out" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
