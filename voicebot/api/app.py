"""FastAPI app factory. Routers live one per concern; the gateway passes in what they need."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from voicebot import __version__
from voicebot.api import calls, chat, docs, webrtc


def create_app(services: Any) -> FastAPI:
    """`services` is the gateway's `Services` (intent engine, dialplans, call store, …)."""
    app = FastAPI(title="voicebot", version=__version__, docs_url=None, redoc_url=None)
    app.state.services = services
    docs.install(app)  # /docs with local assets: it works offline

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    app.include_router(chat.router)
    app.include_router(calls.router)
    app.include_router(webrtc.router)
    return app
