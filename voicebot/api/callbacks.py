"""The callback queue: promises the bot made after hours ("Vi ringer dig op…"), for staff to keep."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from voicebot.api import models
from voicebot.api.auth import Principal, operator, scoped_kommune, viewer
from voicebot.calls import queries
from voicebot.calls.store import utc_now

router = APIRouter()


@router.get("/api/callbacks", response_model=models.CallbackQueue)
def list_callbacks(
    request: Request, p: Annotated[Principal, Depends(viewer)], kommune: str | None = None, done: bool = False
) -> dict[str, Any]:
    with request.app.state.services.calls.connect() as conn:
        return {"callbacks": queries.callback_queue(conn, scoped_kommune(p, kommune), include_done=done)}


@router.post("/api/callbacks/{callback_id}/done", response_model=models.CallbackOut)
def callback_done(callback_id: int, request: Request, p: Annotated[Principal, Depends(operator)]) -> dict[str, Any]:
    with request.app.state.services.calls.engine.begin() as conn:
        found = queries.callback_get(conn, callback_id)
        if found is None or (p.kommune and found["kommune"] != p.kommune):
            raise HTTPException(404, "no such callback")
        row = queries.callback_done(conn, callback_id, p.name, utc_now())
    assert row is not None
    return row
