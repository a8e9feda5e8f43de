"""HTTP hardening, as one ASGI middleware and one exception handler, installed by the app factory.

- Request bodies are capped: a larger Content-Length, or a chunked body that grows past the cap,
  is answered 413 before the route parses anything.
- Each request has a time limit (504 beyond it); WebSocket traffic is not timed.
- Validation errors (422) say where and what, never echo the input back.
- No CORS headers at all unless origins are configured (`VOICEBOT_CORS_ORIGINS`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
MAX_BODY = 64 * 1024
TIMEOUT_S = 30.0


class HttpLimits:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY, timeout_s: float = TIMEOUT_S) -> None:
        self.app, self.max_body, self.timeout_s = app, max_body, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _plain(send, 413, "request body too large")
            return
        seen = 0
        started = refused = False

        async def limited_receive() -> Message:
            nonlocal seen, started, refused
            if refused:
                return {"type": "http.disconnect"}
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_body:  # a chunked body past the cap: answer now, the route sees a disconnect
                    refused = True
                    if not started:
                        started = True
                        await _plain(send, 413, "request body too large")
                    return {"type": "http.disconnect"}
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out already; whatever the route says after it is dropped
            started = started or msg["type"] == "http.response.start"
            await send(msg)

        try:
            await asyncio.wait_for(self.app(scope, limited_receive, tracking_send), self.timeout_s)
        except TimeoutError:
            if not started:
                await _plain(send, 504, "request timed out")


async def _plain(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with the location, message and type of each error; the input and its context stay out."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))[:200], "type": e.get("type", "")}
              for e in errors[:20]]  # fmt: skip
    return JSONResponse({"detail": detail}, status_code=422)


def install(app: FastAPI, settings: Any = None) -> None:
    max_body = getattr(settings, "http_max_body", MAX_BODY)
    timeout_s = getattr(settings, "http_timeout_s", TIMEOUT_S)
    origins = list(getattr(settings, "cors_origins", ()) or ())
    app.add_exception_handler(RequestValidationError, validation_error)
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization"])  # fmt: skip
    app.add_middleware(HttpLimits, max_body=max_body, timeout_s=timeout_s)
