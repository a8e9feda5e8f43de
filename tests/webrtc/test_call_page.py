"""The citizens' call page in headless Chromium: names, privacy notice, accessible controls, live
captions of a real call (fake microphone WAV), and key 0 with no agent reachable: the page shows
the opening hours and a callback form, never "stillet videre". Screenshots go to out/screenshots/.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from cdpkit import Browser
from peerkit import API_HEADERS, Server
from speechkit import espeak_pcm

from voicebot.transports.wav import write_wav

pytestmark = pytest.mark.slow
RATE = 48000

# WCAG 2.1 AA: contrast of a control's text against its background, computed in the page
CONTRAST_JS = """(() => {
  const lum = (c) => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(Number).map((v) => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = (el) => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
    if (!c.startsWith('rgba(0, 0, 0, 0)')) return c; } return 'rgb(255, 255, 255)'; };
  return [...document.querySelectorAll('button:not(:disabled), select, label, #status, #privacy-text')]
    .filter((el) => el.offsetParent !== null).map((el) => {
      const a = lum(getComputedStyle(el).color), b = lum(bg(el));
      return [el.id || el.textContent.trim().slice(0, 20), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
    });
})()"""

UNLABELLED_JS = """[...document.querySelectorAll('button, select, input')].filter((el) => {
  const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
  const label = el.id && document.querySelector(`label[for="${el.id}"]`);
  return !(name || label) || ((el.tagName !== 'BUTTON') && !label);
}).map((el) => el.outerHTML.slice(0, 80))"""


def fake_microphone(path: Path) -> Path:
    question = espeak_pcm("Hvad koster et nyt pas?", RATE)
    pcm = np.concatenate([np.zeros(7 * RATE, np.int16), question, np.zeros(30 * RATE, np.int16)])
    write_wav(path, pcm, RATE)
    return path


async def _page(server: Server, tmp: Path, shots: Path) -> dict[str, Any]:
    browser = Browser(tmp / "profile", fake_microphone(tmp / "mic.wav"), tmp / "chromium.log")
    out: dict[str, Any] = {}
    try:
        await browser.open(f"{server.url}/call")
        await browser.wait_for("document.querySelectorAll('#dialplan option').length > 0", 15, "no dialplans listed")
        out["labels"] = await browser.js("[...document.querySelectorAll('#dialplan option')].map(o => o.textContent)")
        out["unlabelled"] = await browser.js(UNLABELLED_JS)
        out["contrast"] = await browser.js(CONTRAST_JS)
        await browser.js("document.getElementById('dialplan').value = 'webtest';"
                         "document.getElementById('dialplan').dispatchEvent(new Event('change'))")  # fmt: skip
        out["privacy"] = await browser.js("document.getElementById('privacy-text').textContent")
        await browser.screenshot(shots / "call-start.png")
        await browser.js("document.getElementById('call').click()")
        await browser.wait_for("document.body.dataset.state === 'connected'", 30, "page not connected")
        out["call_id"] = await browser.js("document.body.dataset.callId")
        out["live_buttons"] = await browser.js(
            "['call', 'hangup'].map(id => [document.getElementById(id).disabled,"
            " getComputedStyle(document.getElementById(id)).backgroundColor])"
        )
        # the question starts 7 s into the microphone file: its caption, then the bot's answer
        await browser.wait_for(
            "(() => { const li = [...document.querySelectorAll('#captions li')].map(l => l.className);"
            " const i = li.indexOf('caller'); return i >= 0 && li.slice(i + 1).includes('bot'); })()",
            60, "no caption of the question followed by the answer",
        )  # fmt: skip
        out["captions"] = await browser.js(
            "[...document.querySelectorAll('#captions li')].map(l => [l.className, l.lastChild.textContent])"
        )
        await browser.screenshot(shots / "call-captions.png")
        await browser.js("document.querySelector('#keypad button[aria-label^=\"Tast 0\"]').click()")
        await browser.wait_for("document.body.dataset.state === 'no_agent'", 40, "no 'no agent' screen")
        await browser.wait_for("!document.getElementById('callback').hidden", 5, "no callback form")
        out["end"] = await browser.js(
            "({title: document.getElementById('end-title').textContent,"
            " hours: document.getElementById('end-hours').textContent, page: document.body.innerText})"
        )
        await browser.screenshot(shots / "call-no-agent.png")
        await browser.js("document.getElementById('callback-number').value = '22 34 56 78';"
                         "document.getElementById('callback-send').click()")  # fmt: skip
        await browser.wait_for("document.body.dataset.callback === 'ok'", 15, "callback not confirmed")
        await browser.wait_for("document.body.dataset.state === 'ended'", 15, "page did not end the call")
        out["after"] = await browser.js("document.body.innerText")
        await browser.screenshot(shots / "call-callback.png")
        return out
    finally:
        await browser.close()


async def _record(base_url: str, call_id: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=10, headers=API_HEADERS) as http:
        while time.monotonic() < deadline:
            rec = (await http.get(f"/api/calls/{call_id}")).json()
            if rec.get("live") is False:
                return rec  # type: ignore[no-any-return]
            await asyncio.sleep(0.3)
    raise TimeoutError(f"call {call_id} still live")


def test_call_page_captions_no_agent_and_callback(server: Server, tmp_path: Path, artefacts: Path) -> None:
    page = asyncio.run(asyncio.wait_for(_page(server, tmp_path, artefacts), 150))
    labels = page["labels"]
    assert {"Odder Kommune", "Aarhus Kommune", "Odense Kommune", "Testby Kommune"} <= set(labels), labels
    assert labels[-1] == "Anden kommune (fælles nummer)" and not any("(" in x for x in labels[:-1]), labels
    assert page["unlabelled"] == []
    low = [(name, round(ratio, 2)) for name, ratio in page["contrast"] if ratio < 4.5]
    assert low == [], low
    assert "Testby Kommune" in page["privacy"] and "gemmer" in page["privacy"] and "Lyden" in page["privacy"]
    assert "i 30 dage" in page["privacy"]  # the dialplan's retention_days
    (call_off, call_bg), (hangup_off, hangup_bg) = page["live_buttons"]
    assert call_off and not hangup_off and call_bg == "rgb(118, 118, 118)" != hangup_bg  # disabled looks disabled
    kinds = [c[0] for c in page["captions"]]
    assert kinds[0] == "bot" and "caller" in kinds
    assert any(c[0] == "caller" and c[1].strip() for c in page["captions"])
    assert page["end"]["title"].startswith("Ingen medarbejder") and "åbent" in page["end"]["hours"]
    assert "Du er stillet videre" not in page["end"]["page"]
    assert "ringer dig op" in page["after"]
    record = asyncio.run(_record(server.url, page["call_id"]))
    assert record.get("transfer_failures") == 1
    from voicebot.calls.queries import callbacks_of

    with server.services.calls.engine.connect() as conn:  # the staff's callback queue has the number
        assert [c["number"] for c in callbacks_of(conn, page["call_id"])] == ["+4522345678"]
    caller_turns = [t["text"] for t in record["turns"] if t["speaker"] == "caller"]
    assert caller_turns and caller_turns[0].strip() in [c[1] for c in page["captions"] if c[0] == "caller"]
    for name in ("call-start.png", "call-captions.png", "call-no-agent.png", "call-callback.png"):
        assert (artefacts / name).stat().st_size > 5000, name
