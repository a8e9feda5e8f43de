"""POST /api/chat through the real app and the gateway's services (the same engine object as voice)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from voicebot.api.app import create_app
from voicebot.gateway import build_services

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def services():
    return build_services()


@pytest.fixture(scope="module")
def client(services):
    return TestClient(create_app(services))


def test_chat_answers_for_kommune(client):
    r = client.post("/api/chat", json={"text": "hvornår har i åbent", "kommune": "Odder", "session_id": "a1"})
    assert r.status_code == 200
    body = r.json()
    assert body["intent"] == "aabningstider" and body["confidence"] >= 0.6
    assert "onsdag" in body["answer"] and body["handoff"] is False
    assert 1 <= len(body["alternatives"]) <= 3 and body["session_id"] == "a1"


def test_same_engine_as_voice(client, services):
    assert client.app.state.services.intent_engine is services.intent_engine


def test_session_followup(client):
    client.post("/api/chat", json={"text": "jeg skal have nyt pas", "kommune": "Frederiksberg", "session_id": "f1"})
    r = client.post("/api/chat", json={"text": "hvad koster det?", "kommune": "Frederiksberg", "session_id": "f1"})
    assert r.json()["intent"] == "pas" and "891" in r.json()["answer"]
    other = client.post("/api/chat", json={"text": "hvad koster det?", "kommune": "Frederiksberg", "session_id": "f2"})
    assert other.json()["intent"] != "pas"


def test_medarbejder_hands_off(client):
    r = client.post("/api/chat", json={"text": "jeg vil tale med et menneske"})
    assert r.json()["intent"] == "medarbejder" and r.json()["handoff"] is True


def test_repeated_misses_hand_off(client, services):
    # as on the phone: the dialplan's no-match limit, then the human path
    for _ in range(services.dialplans.get("default").reprompts.max_no_match + 1):
        r = client.post("/api/chat", json={"text": "hvem vandt fodboldkampen", "session_id": "m1"})
    assert r.json()["intent"] == "ukendt" and r.json()["handoff"] is True


@pytest.mark.parametrize(
    "body",
    [{"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {}, {"text": 12}, {"text": "pas", "session_id": "bad id!"}],
)
def test_bad_input_is_4xx(client, body):
    assert client.post("/api/chat", json=body).status_code == 422


def test_binary_body_is_4xx(client):
    r = client.post("/api/chat", content=b"\xff\xfe\x00\x01", headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize("text", ["\x00\x01\x02 \x7f", "the quick brown fox jumps", "asdkjh qwpoeiru zxmcnv"])
def test_garbage_text_is_sane(client, text):
    r = client.post("/api/chat", json={"text": text, "kommune": "Odder"})
    assert r.status_code == 200
    assert r.json()["intent"] == "ukendt" or r.json()["confidence"] < 0.6
