"""FastAPI app factory. Routers live one per concern; the gateway passes in what they need.

Open without a token: /healthz, /api/chat, /call with its WebRTC signalling, the console's
login form and stylesheet, and /metrics (unless `VOICEBOT_METRICS_PUBLIC=0`). Everything else
needs a bearer token or the console's session cookie (see `voicebot.api.auth`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from voicebot import __version__
from voicebot.api import callbacks, calls, chat, dialplans, docs, limits, metrics, pages, webrtc
from voicebot.api.auth import auth_of

PUBLIC_PATHS = frozenset({
    "/healthz", "/api/chat", "/call", "/call.js", "/api/webrtc/dialplans", "/api/webrtc/offer",
    "/api/webrtc/calls/{call_id}", "/metrics", "/operator/login", "/operator/logout", "/operator/static/operator.css",
    "/call.css", "/docs", "/docs/oauth2-redirect", "/openapi.json",
})  # fmt: skip
PAGE_TITLES = {401: "Log ind", 403: "Ingen adgang", 404: "Findes ikke"}


def create_app(services: Any) -> FastAPI:
    """`services` is the gateway's `Services` (intent engine, dialplans, call store, …)."""
    app = FastAPI(title="voicebot", version=__version__, docs_url=None, redoc_url=None)
    app.state.services = services
    limits.install(app, getattr(services, "settings", None))  # body cap, timeouts, no input echo, CORS
    docs.install(app)  # /docs with local assets: it works offline

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    for module in (chat, calls, callbacks, dialplans, metrics, pages, webrtc):
        app.include_router(module.router)

    @app.middleware("http")
    async def token_in_url(request: Request, call_next: Any) -> Response:
        """`?token=` on a console page: set the session cookie and drop the token from the URL."""
        token = request.query_params.get("token")
        on_page = request.url.path.startswith(pages.PAGE_PREFIXES)
        if token and on_page and auth_of(request).check_token(token) is not None:
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response = RedirectResponse(target, status_code=303)
            pages.login_cookie(request, response, token)
            return response
        response = await call_next(request)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def pages_errors(request: Request, exc: StarletteHTTPException) -> Response:
        """Console pages answer in Danish HTML (401 shows the login form); the API keeps JSON."""
        if not request.url.path.startswith(pages.PAGE_PREFIXES) or exc.status_code not in PAGE_TITLES:
            return await http_exception_handler(request, exc)
        if exc.status_code == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return pages.render(request, "login.html", 401, next=target, error=None)
        message = {403: "Din adgangsnøgle giver ikke adgang til denne side."}.get(exc.status_code, str(exc.detail))
        return pages.render(request, "error.html", exc.status_code, title=PAGE_TITLES[exc.status_code],
                            message=message)  # fmt: skip

    return app
