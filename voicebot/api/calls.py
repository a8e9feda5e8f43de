"""Call records and KPIs for operators and agent desktops."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from voicebot.calls.kpi import kpis

router = APIRouter()


@router.get("/api/calls")
def list_calls(
    request: Request, limit: int = Query(50, ge=1, le=1000), kommune: str | None = None
) -> dict[str, Any]:
    store = request.app.state.services.calls
    return {"live": store.live_ids(), "calls": store.recent(limit, kommune)}


@router.get("/api/calls/{call_id}")
def get_call(call_id: str, request: Request) -> dict[str, Any]:
    rec = request.app.state.services.calls.get(call_id)
    if rec is None:
        raise HTTPException(404, f"no call {call_id}")
    return rec


@router.get("/api/kpis")
def get_kpis(
    request: Request, kommune: str | None = None, limit: int = Query(10000, ge=1, le=100000)
) -> dict[str, Any]:
    return kpis(request.app.state.services.calls.recent(limit, kommune))
