"""Headless Chromium driven over the Chrome DevTools Protocol (a websocket), for page tests.

Chromium runs in its own process group with a throw-away profile and is killed on exit;
every wait is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

CHROMIUM = "/usr/bin/chromium"


def chromium_flags(profile: Path, fake_audio: Path) -> list[str]:
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_audio}", "--autoplay-policy=no-user-gesture-required",
        "--allow-loopback-in-peer-connection", "--remote-debugging-port=0", "--window-size=520,760",
    ]  # fmt: skip


class Browser:
    def __init__(self, profile: Path, fake_audio: Path, log: Path, extra_flags: tuple[str, ...] = ()) -> None:
        self.profile = profile
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [CHROMIUM, *chromium_flags(profile, fake_audio), *extra_flags, "about:blank"],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.ws: Any = None
        self._ids = itertools.count(1)

    async def open(self, url: str, timeout: float = 30.0) -> None:
        port = await self._devtools_port(timeout)
        async with httpx.AsyncClient(timeout=10) as http:
            pages = [t for t in (await http.get(f"http://127.0.0.1:{port}/json/list")).json() if t["type"] == "page"]
        self.ws = await websockets.connect(pages[0]["webSocketDebuggerUrl"], max_size=None)
        await self.call("Page.enable")
        await self.call("Page.navigate", url=url)

    async def _devtools_port(self, timeout: float) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            await asyncio.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    async def call(self, method: str, timeout: float = 15.0, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        await self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), max(0.01, deadline - time.monotonic()))
            msg = json.loads(raw)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})  # type: ignore[no-any-return]

    async def js(self, expression: str) -> Any:
        res = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    async def wait_for(self, expression: str, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await self.js(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        state = await self.js(
            "JSON.stringify({...document.body.dataset, status: document.getElementById('status')?.textContent})"
        )
        raise TimeoutError(f"{what} within {timeout} s; page: {state}")

    async def screenshot(self, path: Path) -> Path:
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
        return path

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()
