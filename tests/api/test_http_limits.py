"""HTTP hardening against the real app under uvicorn on loopback: a 5.2 MB body gets 413 (with a
Content-Length or chunked), a too-long text gets a 422 that does not echo it, and no CORS
header is ever sent when no origin is configured. The per-request timeout is checked on the
middleware itself, around a deliberately slow ASGI app."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from voicebot.api.app import create_app
from voicebot.api.limits import HttpLimits
from voicebot.gateway import build_services

pytestmark = pytest.mark.slow
BIG = 5_200_000


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(build_services()), host="127.0.0.1", port=free,
                                           log_level="warning"))  # fmt: skip
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield free
    server.should_exit = True
    t.join(10)


def _request(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
             chunked: bool = False) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        if chunked:
            parts = [(body or b"")[i : i + 65536] for i in range(0, len(body or b""), 65536)]
            conn.request(method, path, body=iter(parts), headers=headers or {}, encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_big_body_gets_413_before_parsing(port: int) -> None:
    body = json.dumps({"text": "pas " * (BIG // 4)}).encode()
    assert len(body) > BIG
    status, _, resp = _request(port, "POST", "/api/chat", body, {"Content-Type": "application/json"})
    assert status == 413 and len(resp) < 200


def test_big_chunked_body_gets_413(port: int) -> None:
    body = json.dumps({"text": "pas " * (BIG // 4)}).encode()
    status, _, resp = _request(port, "POST", "/api/chat", body, {"Content-Type": "application/json"}, chunked=True)
    assert status == 413 and len(resp) < 200


def test_validation_error_does_not_echo_the_input(port: int) -> None:
    text = "hemmelig 0101901234 " * 150  # 3000 chars: over the 2000 limit, under the body cap
    status, _, resp = _request(port, "POST", "/api/chat", json.dumps({"text": text}).encode(),
                               {"Content-Type": "application/json"})  # fmt: skip
    assert status == 422
    assert b"hemmelig" not in resp and b"0101901234" not in resp and len(resp) < 1000
    detail = json.loads(resp)["detail"]
    assert detail[0]["loc"] == ["body", "text"] and "input" not in detail[0]


def test_no_cors_unless_configured(port: int) -> None:
    pre = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    status, headers, _ = _request(port, "OPTIONS", "/api/chat", headers=pre)
    assert status in (404, 405) and not any(h.startswith("access-control-") for h in headers)
    status, headers, _ = _request(port, "GET", "/healthz", headers={"Origin": "https://evil.example"})
    assert status == 200 and not any(h.startswith("access-control-") for h in headers)


def test_request_timeout_is_504() -> None:
    async def slow(scope, receive, send) -> None:
        await asyncio.sleep(5)

    sent: list[dict] = []

    async def send(msg: dict) -> None:
        sent.append(msg)

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    app = HttpLimits(slow, timeout_s=0.05)
    asyncio.run(app({"type": "http", "headers": []}, receive, send))
    assert sent[0]["status"] == 504
