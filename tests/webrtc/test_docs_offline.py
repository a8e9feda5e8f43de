"""/docs renders in headless Chromium with no network: Swagger UI's assets come from our server.

Every host but 127.0.0.1 resolves to nothing (as on a machine without internet), and the test
records each request the page makes: all of them must go to the app itself.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from cdpkit import Browser
from peerkit import Server

from voicebot.transports.wav import write_wav

pytestmark = pytest.mark.slow
OFFLINE = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",)


async def _docs(server: Server, tmp: Path) -> tuple[list[str], list[str], Path]:
    write_wav(tmp / "mic.wav", np.zeros(8000, np.int16), 8000)
    browser = Browser(tmp / "profile", tmp / "mic.wav", tmp / "chromium.log", OFFLINE)
    try:
        await browser.open("about:blank")
        await browser.js("window.__requests = []")
        await browser.call("Page.navigate", url=f"{server.url}/docs")
        await browser.wait_for("document.querySelectorAll('.opblock-summary-path').length > 3", 30, "no routes shown")
        paths = await browser.js(
            "[...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent.replace(/\\u200b/g, ''))"
        )
        loaded = await browser.js("performance.getEntriesByType('resource').map(e => e.name).concat([location.href])")
        shot = await browser.screenshot(tmp / "docs.png")
        return paths, loaded, shot
    finally:
        await browser.close()


def test_docs_render_without_internet(server: Server, tmp_path: Path, artefacts: Path) -> None:
    paths, loaded, shot = asyncio.run(asyncio.wait_for(_docs(server, tmp_path), 60))
    assert "/api/chat" in paths and "/api/webrtc/offer" in paths, paths
    assert loaded and all(url.startswith(server.url) for url in loaded), json.dumps(loaded)
    assert any(url.endswith("/docs-assets/swagger-ui-bundle.js") for url in loaded)
    assert shot.stat().st_size > 5000
    (artefacts / "docs.png").write_bytes(shot.read_bytes())
