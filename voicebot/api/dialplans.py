"""Dialplans over HTTP: read (viewer), validate, replace and reload (operator).

PUT validates first: an invalid file gets 422 with its `file:line:col` errors and the running
plan stays. A valid file is written atomically and the registry reloads it for new calls.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from voicebot.api import models
from voicebot.api.auth import Principal, operator, viewer
from voicebot.dialog.validate import check_text

router = APIRouter()
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
Operator = Annotated[Principal, Depends(operator)]


def _folder(request: Request) -> Path:
    folder = request.app.state.services.dialplans.folder
    if folder is None:
        raise HTTPException(409, "this server has no dialplan folder")
    return Path(folder)


def _path(request: Request, name: str) -> Path:
    if not _NAME.match(name):
        raise HTTPException(422, "a dialplan name is lower-case letters, digits, - and _")
    return _folder(request) / f"{name}.yaml"


def validate_text(request: Request, name: str, text: str) -> list[str]:
    folder = request.app.state.services.dialplans.folder
    plan, issues = check_text(text, f"{name}.yaml", name=name, base_dir=Path(folder) if folder else None)
    return [] if plan is not None else [str(i) for i in issues]


@router.get("/api/dialplans/{name}", response_model=models.DialplanText)
def get_dialplan(name: str, request: Request, _p: Annotated[Principal, Depends(viewer)]) -> dict[str, Any]:
    path = _path(request, name)
    if not path.is_file():
        raise HTTPException(404, "no such dialplan file")
    return {"name": name, "yaml": path.read_text(encoding="utf-8")}


@router.post("/api/dialplans/validate", response_model=models.ValidationOut)
def validate(body: models.DialplanText, request: Request, _p: Operator) -> dict[str, Any]:
    errors = validate_text(request, body.name, body.yaml)
    return {"valid": not errors, "errors": errors}


@router.put(
    "/api/dialplans/{name}", response_model=models.ReloadOut, responses={422: {"model": models.ValidationOut}}
)
def put_dialplan(name: str, body: models.DialplanIn, request: Request, _p: Operator) -> Any:
    path = _path(request, name)
    errors = validate_text(request, name, body.yaml)
    if errors:
        return JSONResponse({"valid": False, "errors": errors}, status_code=422)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(body.yaml)
    os.replace(tmp, path)
    return _reload(request)


@router.post("/api/dialplans/reload", response_model=models.ReloadOut)
def reload(request: Request, _p: Operator) -> dict[str, Any]:
    _folder(request)
    return _reload(request)


def _reload(request: Request) -> dict[str, Any]:
    report = request.app.state.services.dialplans.reload()
    return {"loaded": report.loaded, "rejected": report.rejected, "removed": report.removed}
