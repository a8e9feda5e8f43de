"""One answer on every channel: /api/chat, `voicebot chat` and the phone's dialog say the same.

30 questions (kommune FAQ phrasings, small talk, out-of-scope) × 3 kommuner with their own
dialplans. The phone side is the `Dialog` a call runs, fed the transcript; the chat side is the
HTTP API and the CLI. The answer text must be identical (voice adds only read-out normalisation).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from tests.api.chatkit import CLOSED, OPEN, Phone
from voicebot.api.app import create_app
from voicebot.chat.session import plan_for
from voicebot.gateway import build_services

pytestmark = pytest.mark.slow
KOMMUNER = ("Odder", "Aarhus", "Odense")
QUESTIONS = [
    "Hvad koster et nyt pas?", "Hvordan får jeg et nyt kørekort?",
    "Hvad skal jeg betale for at få fornyet mit kørekort?",
    "Hvad skal jeg medbringe i Borgerservice?", "Hvad koster det at skifte læge?", "Hvordan skifter jeg læge?",
    "Hvad koster et nyt sundhedskort?", "Hvem kan få et sundhedskort?",
    "Hvornår kan jeg skrive mit barn op til vuggestue og dagpleje?", "Hvornår skal du melde din flytning?",
    "Hvordan melder jeg flytning?", "Hvordan får jeg MitID?", "Jeg har glemt min adgangskode til MitID",
    "Hvordan bliver jeg fritaget for Digital Post?", "Hvad sker der efter en anmeldelse af rotter?",
    "Jeg har set rotter i min have", "Hvornår har I åbent?", "Hvor ligger Borgerservice?",
    "Hvordan bestiller jeg tid i Borgerservice?", "Hvordan giver jeg fuldmagt til min søn?", "Hvor langt er min sag?",
    "Mit pas er blevet stjålet", "Jeg vil gerne tale med en medarbejder", "hej", "How do I get a new passport?",
    "Hvornår bliver mit affald hentet?", "Hvordan får jeg min årsopgørelse?", "farvel",
    "Midlertidigt kørekort mens dit kørekort bliver fornyet", "Hvad koster et pas til et barn?",
]  # fmt: skip


@pytest.fixture(scope="module")
def services():
    return build_services()


@pytest.fixture(scope="module")
def client(services):
    app = create_app(services)
    app.state.wall_clock = lambda: OPEN
    return TestClient(app)


def test_table_size():
    assert len(QUESTIONS) == 30 and len(set(QUESTIONS)) == 30


@pytest.mark.parametrize("at", [OPEN, CLOSED], ids=["open", "closed"])
@pytest.mark.parametrize("kommune", KOMMUNER)
def test_chat_answer_equals_the_phones_say_text(client, services, kommune, at):
    plan = plan_for(services.dialplans, kommune)
    assert plan.name == kommune.lower()  # the kommune's own dialplan, thresholds and texts
    client.app.state.wall_clock = lambda: at
    mismatches = []
    for i, question in enumerate(QUESTIONS):
        phone = Phone(plan, services.intent_engine, at).say(question)
        sid = f"p{kommune}{at.day}{i}"
        body = client.post("/api/chat", json={"text": question, "kommune": kommune, "session_id": sid})
        assert body.status_code == 200
        if body.json()["answer"] != phone:
            mismatches.append((question, body.json()["answer"], phone))
        assert phone, question
    client.app.state.wall_clock = lambda: OPEN
    assert mismatches == []


def test_the_answers_carry_the_facts_citizens_ask_for(client):
    def ask(text: str, kommune: str) -> dict:
        return client.post("/api/chat", json={"text": text, "kommune": kommune}).json()

    for kommune in ("Odder", "Aarhus"):
        assert "891 kroner" in ask("Hvad koster et nyt pas?", kommune)["answer"]
    assert "Er passet til et barn" in ask("Hvad koster et nyt pas?", "Odense")["answer"]  # Odense asks first
    for kommune in KOMMUNER:
        assert "180 kroner" in ask("Hvad skal jeg betale for at få fornyet mit kørekort?", kommune)["answer"]
        assert "220 kroner" in ask("Hvad koster et nyt sundhedskort?", kommune)["answer"]
    assert "180 kroner" in ask("Hvordan får jeg et nyt kørekort?", "Odder")["answer"]  # Odder's own first answer
    odder = ask("Hvornår bliver mit affald hentet?", "Odder")
    assert "odder.dk" in odder["answer"] and odder["intent"] == "henvisning"
    assert all("odder.dk" in s["url"] for s in odder["sources"]) and odder["sources"][0]["from"] == "Odder Kommune"


def test_cli_session_equals_api_session_and_phone(client, services):
    texts = ["Jeg har glemt min adgangskode til MitID", "Hvad koster et nyt pas?", "hvad skal jeg have med?",
             "hej", "Hvornår bliver mit affald hentet?", "jeg vil tale med en medarbejder"]  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "voicebot.cli", "chat", "-", "--kommune", "odder", "--json", "--at", OPEN.isoformat()],
        input="\n".join(texts), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    cli = [json.loads(line)["answer"] for line in out.stdout.splitlines()]
    api = [client.post("/api/chat", json={"text": t, "kommune": "odder", "session_id": "cli1"}).json()["answer"]
           for t in texts]  # fmt: skip
    phone = Phone(plan_for(services.dialplans, "odder"), services.intent_engine, OPEN)
    assert cli == api == [phone.say(t) for t in texts]
    assert "gamle pas" in cli[2] and cli[3].startswith("Hej.")
