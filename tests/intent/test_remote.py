"""The remote NLU adapter against a small local HTTP server speaking Rasa's /model/parse shape."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest
from httpkit import JsonHandler

from voicebot.errors import EngineError
from voicebot.intent.knowledge import KnowledgeBase
from voicebot.intent.remote import RemoteIntentEngine


class _Handler(JsonHandler):
    def do_POST(self) -> None:
        body = self.read_json()
        self.server.seen.append(body)  # type: ignore[attr-defined]
        if "boom" in body["text"]:
            self.send_response(500)
            self.end_headers()
            return
        name = "pas" if "pas" in body["text"] else "weather_forecast"
        out = {"text": body["text"], "intent": {"name": name, "confidence": 0.91},
               "intent_ranking": [{"name": name, "confidence": 0.91}, {"name": "koerekort", "confidence": 0.05}],
               "entities": [{"entity": "kommune", "value": body.get("kommune")}]}
        self.reply(out)


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.seen = []  # type: ignore[attr-defined]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def remote(server):
    eng = RemoteIntentEngine(f"http://127.0.0.1:{server.server_address[1]}/model/parse", kb=KnowledgeBase.load())
    yield eng
    eng.close()


def test_remote_intent_and_our_answer(remote, server):
    res = remote.classify("hvad koster et pas", kommune="Frederiksberg")
    assert res.intent == "pas" and res.confidence == pytest.approx(0.91)
    assert "891" in res.answer  # the answer still comes from our knowledge base
    assert res.entities["kommune"] == "Frederiksberg"
    assert res.alternatives[1] == ("koerekort", 0.05)
    assert server.seen[-1] == {"text": "hvad koster et pas", "kommune": "Frederiksberg"}


def test_remote_unknown_name_becomes_ukendt(remote):
    res = remote.classify("hvordan bliver vejret")
    assert res.intent == "ukendt" and res.confidence == 0.0


def test_remote_server_error_is_engine_error(remote):
    with pytest.raises(EngineError):
        remote.classify("boom")


def test_remote_unreachable_is_engine_error():
    eng = RemoteIntentEngine("http://127.0.0.1:9/parse", kb=KnowledgeBase.load(), timeout_s=0.5)
    with pytest.raises(EngineError):
        eng.classify("pas")


def test_remote_empty_text_not_sent(remote, server):
    before = len(server.seen)
    assert remote.classify("  ").intent == "ukendt"
    assert len(server.seen) == before
