"""Headless Chromium opens the console after replayed calls (the real pipeline) and a few stored
ones: dashboard, transcript, callback queue, agent page. Asserts the rendered Danish text and
numbers; screenshots are kept as test artefacts (VOICEBOT_ARTEFACTS, default tmp)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from apikit import TOKENS, make_services
from browserkit import artefact_dir, chromium, shoot
from recordkit import record
from sqlalchemy import select

from voicebot.api.app import create_app
from voicebot.api.auth import Auth, parse_tokens
from voicebot.calls.schema import callbacks, calls, turns
from voicebot.replay import replay_call
from voicebot.transports.wav import CallAudio, read_call_wav

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SYNTH = REPO / "tests" / "calls" / "synthetic"
LEAD_SILENCE_S = 8.0
OPEN = datetime.fromisoformat("2026-11-24T10:15:00+01:00")  # Odder's Borgerservice is open
CPR_PATTERN = re.compile(r"\b\d{6}-?\d{4}\b")


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console")
    services = make_services(f"sqlite:///{tmp / 'calls.db'}", tmp)
    odder = services.dialplans.get("odder")

    async def replays() -> None:
        # (case, call id, dtmf): a spoken topic the embedded Whisper hears well, and "press 0 for a person"
        for name, call_id, dtmf in (("009-sundhedskort-1", "replay-topic", []), ("031-dtmf0-1", "replay-human",
                                                                               [(8.31, "0")])):  # fmt: skip
            audio = read_call_wav(SYNTH / f"{name}.wav")
            lead = np.zeros(int(LEAD_SILENCE_S * audio.sample_rate), np.int16)  # wait for the greeting, as suites do
            audio = CallAudio(np.concatenate([lead, audio.pcm]), audio.sample_rate)
            result = await replay_call(audio, services=services, plan=odder, call_id=call_id, started_at=OPEN,
                                       dtmf=dtmf)  # fmt: skip
            services.calls.finish(result.record)

    asyncio.run(replays())
    cpr_call = record("cpr-call", "Odder", "2026-11-24T19:30:00+01:00", outcome="transferred", intents=("mitid",),
                      reason="closed_hours", after_hours=True, callback="+4520304050", rating=2)  # fmt: skip
    cpr_call.turns[1].text = "mit cpr nummer er 120385-1234 og jeg har glemt MitID"
    services.calls.finish(cpr_call)
    services.calls.finish(record("rated", "Odder", "2026-11-25T10:00:00+01:00", intents=("pas",), rating=3))
    app = create_app(services)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    artefacts = artefact_dir(tmp / "shots")
    yield services, f"http://127.0.0.1:{port}", artefacts, tmp
    server.should_exit = True
    thread.join(10)


def page(console, path: str, shot: str, token: str = TOKENS["viewer"]) -> str:
    _services, base, artefacts, tmp = console
    sep = "&" if "?" in path else "?"
    url = f"{base}{path}{sep}token={token}" if token else f"{base}{path}"
    return shoot(url, artefacts / f"{shot}.png", tmp / f"profile-{shot}")


def test_replayed_calls_are_stored(console):
    services = console[0]
    topic, human = services.calls.get("replay-topic"), services.calls.get("replay-human")
    assert topic["outcome"] == "contained" and topic["intents"] == ["sundhedskort"] and len(topic["turns"]) >= 3
    assert human["outcome"] == "transferred" and human["transfer"]["reason"] == "caller_request"


def test_dashboard(console):
    text = page(console, "/operator/?kommune=Odder", "dashboard")
    assert "Overblik · Odder" in text and "4 opkald" in text
    assert "Straksafklaring 50 %" in text  # replay-topic and rated are contained
    assert "Tilfredshed 2,50 af 3" in text and "2 bedømmelser" in text
    assert "Uden for åbningstid 25 %" in text
    assert "Åbne tilbageopkald 1" in text
    assert "Hyppigste emner" in text and "Sundhedskort" in text and "MitID" in text


def test_transcript(console):
    text = page(console, "/operator/calls/replay-topic", "transcript")
    assert "Opkald replay-topic" in text and "Borger" in text and "Voicebot" in text
    assert "Odder Kommune, Borgerservice" in text and "Afklaret" in text and "Sundhedskort" in text


def test_callback_queue(console):
    text = page(console, "/operator/callbacks", "callbacks", TOKENS["operator"])
    assert "Tilbageopkald" in text and "+4520304050" in text and "1 venter" in text
    assert "Markér som ringet op" in text


def test_agent_page_from_the_refer_link(console):
    key = Auth(parse_tokens(""), "test-secret").call_key("replay-human")
    text = page(console, f"/agent/calls/replay-human?key={key}", "agent", token="")
    assert "Overtaget opkald · Odder" in text
    assert "Borgeren bad om en medarbejder" in text and "Samtalen indtil nu" in text
    cpr = page(console, "/agent/calls/cpr-call", "agent-mitid", TOKENS["agent"])
    assert "MitID" in cpr and "Vejledning for Odder: MitID" in cpr and "[CPR]" in cpr


def test_no_cpr_number_in_the_database(console):
    services = console[0]
    with services.calls.connect() as conn:
        texts = conn.execute(select(turns.c.text)).scalars().all()
        texts += [x or "" for x in conn.execute(select(calls.c.handover)).scalars().all()]
        texts += conn.execute(select(callbacks.c.reason)).scalars().all()
    assert texts and not [t for t in texts if CPR_PATTERN.search(t)]


def test_dialplan_editor_shows_errors_at_their_lines(console):
    from apikit import client

    services, base, artefacts, tmp = console
    op = client(services, "operator")
    text = op.get("/api/dialplans/odder").json()["yaml"]
    bad = text.replace("thresholds: {answer: 0.6,", "thresholds: {answer: 7.5,", 1)
    line = next(i for i, x in enumerate(bad.split("\n"), 1) if "answer: 7.5" in x)
    r = op.post("/operator/dialplans/odder", data={"yaml": bad})
    assert r.status_code == 422 and "Filen er ikke gemt" in r.text and f'href="#L{line}">linje {line}</a>' in r.text
    assert f'<span id="L{line}" class="bad">{line}</span>' in r.text
    assert services.dialplans.get("odder").thresholds.answer == 0.6  # the old plan stays
    page_file = tmp / "editor.html"
    page_file.write_text(r.text.replace("<head>", f'<head><base href="{base}/">', 1), encoding="utf-8")
    png = artefacts / "dialplan-editor.png"
    chromium([f"--screenshot={png}", "--window-size=1280,1500", page_file.as_uri()], tmp / "profile-editor")
    assert png.stat().st_size > 5000


def test_live_and_call_list_pages(console):
    text = page(console, "/operator/calls?kommune=Odder&outcome=transferred", "call-list")
    assert "Opkald" in text and "Viderestillet" in text and "24.11.2026 19:30" in text
    text = page(console, "/operator/live", "live")
    assert "Igangværende opkald" in text and "0 opkald i gang" in text
    text = page(console, "/operator/", "login", token="")  # no cookie: the login form, with 401
    assert "Log ind" in text and "Adgangsnøgle" in text and "Overblik" not in text
