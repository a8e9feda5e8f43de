"""Browser calls: the call page and its signalling.

GET /call serves the page; GET /api/webrtc/dialplans lists what it can call; POST
/api/webrtc/offer {sdp, type, dialplan} answers an SDP offer and starts the call;
DELETE /api/webrtc/calls/{call_id} hangs it up (the page also hangs up over its data channel).
The `WebRtcGateway` lives in `app.state.webrtc`; it is made on first use unless the server
put its own there (e.g. one restricted to loopback ICE), and closed at shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from voicebot.errors import InputError, TransportError

STATIC = Path(__file__).parent / "static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    gateway = getattr(app.state, "webrtc", None)
    if gateway is not None:
        await gateway.close()


router = APIRouter(lifespan=lifespan)


class Offer(BaseModel):
    sdp: str = Field(max_length=100_000)
    type: str = "offer"
    dialplan: str = "default"


def gateway(request: Request) -> Any:
    state = request.app.state
    if getattr(state, "webrtc", None) is None:
        from voicebot.transports.webrtc.peer import WebRtcConfig, WebRtcGateway

        port = getattr(state.services.settings, "webrtc_agent_sip_port", 0)
        state.webrtc = WebRtcGateway(state.services, WebRtcConfig(agent_sip_port=port))
    return state.webrtc


@router.get("/call", include_in_schema=False)
def call_page() -> FileResponse:
    return FileResponse(STATIC / "call.html", media_type="text/html")


@router.get("/call.js", include_in_schema=False)
def call_script() -> FileResponse:
    return FileResponse(STATIC / "call.js", media_type="text/javascript")


@router.get("/call.css", include_in_schema=False)
def call_style() -> FileResponse:
    return FileResponse(STATIC / "call.css", media_type="text/css")


@router.get("/api/webrtc/dialplans")
def dialplans(request: Request) -> dict[str, Any]:
    """What the call page can call: kommuner by their own names (A–Å), the shared number last."""
    from voicebot.api.callpage import plan_label, privacy_notice
    from voicebot.gateway import records_calls

    services = request.app.state.services
    registry = services.dialplans
    plans = [registry.get(name) for name in registry.names()]
    plans.sort(key=lambda p: (p.kommune is None, plan_label(p)))
    return {
        "dialplans": [
            {"name": p.name, "kommune": p.kommune, "label": plan_label(p),
             "privacy": privacy_notice(p, records_calls(services, p))}
            for p in plans
        ]
    }  # fmt: skip


@router.post("/api/webrtc/offer")
async def offer(body: Offer, request: Request) -> dict[str, Any]:
    try:
        return await gateway(request).offer(body.sdp, body.type, body.dialplan)
    except InputError as exc:
        raise HTTPException(400, str(exc)) from exc
    except TransportError as exc:
        raise HTTPException(503, str(exc)) from exc


@router.delete("/api/webrtc/calls/{call_id}")
def hangup(call_id: str, request: Request) -> dict[str, Any]:
    if not gateway(request).hangup(call_id):
        raise HTTPException(404, f"no live browser call {call_id}")
    return {"call_id": call_id, "hungup": True}
