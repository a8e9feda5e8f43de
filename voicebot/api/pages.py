"""The operators' console under /operator/ and the agent's handoff page /agent/calls/{id}.

Danish, server-rendered with Jinja2; charts are inline SVG; the only script is the dialplan
editor's line jump. A browser signs in once: the login form, or `?token=` on any page, sets an
HttpOnly, SameSite=Strict cookie and redirects to the same page without the token in the URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from voicebot.api import labels
from voicebot.api.auth import COOKIE, Principal, agent, auth_of, operator, scoped_kommune, viewer
from voicebot.api.dialplans import validate_text
from voicebot.api.period import period
from voicebot.calls import queries
from voicebot.calls.kpi import Period
from voicebot.calls.kpi_cache import period_days, period_kpis
from voicebot.errors import InputError

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals.update(labels=labels)
TEMPLATES.env.filters["intent"] = labels.intent
TEMPLATES.env.filters["local"] = labels.local_time
router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(viewer)]
PAGE_PREFIXES = ("/operator", "/agent")


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, ctx, status_code=status)


def _store(request: Request) -> Any:
    return request.app.state.services.calls


def login_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE, auth_of(request).session_value(token), httponly=True, samesite="strict",
        secure=request.url.scheme == "https", max_age=12 * 3600, path="/",
    )  # fmt: skip


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/operator/"


@router.get("/operator/login")
def login_form(request: Request, next: str = "/operator/") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/operator/login")
def login(request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/operator/") -> Response:
    if auth_of(request).check_token(token.strip()) is None:
        return render(request, "login.html", 401, next=_safe_next(next), error="Ukendt adgangsnøgle.")
    response = RedirectResponse(_safe_next(next), status_code=303)
    login_cookie(request, response, token.strip())
    return response


@router.post("/operator/logout")
def logout() -> Response:
    response = RedirectResponse("/operator/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _filters(request: Request, p: Principal) -> dict[str, Any]:
    q = request.query_params
    kommune = scoped_kommune(p, q.get("kommune") or None)
    return {"kommune": kommune, "from": q.get("from") or "", "to": q.get("to") or "", "bound": p.kommune}


@router.get("/operator/")
def dashboard(request: Request, p: Viewer) -> HTMLResponse:
    f = _filters(request, p)
    a, b = period(f["from"] or None, f["to"] or None)
    from voicebot.api.calls import today

    k = period_kpis(_store(request), Period(a, b, f["kommune"]), today())
    days = period_days(_store(request), Period(a, b, f["kommune"]), today())
    with _store(request).connect() as conn:
        open_callbacks = queries.callback_queue(conn, f["kommune"], limit=5)
        kommuner = queries.kommuner(conn) if not p.kommune else [p.kommune]
    step = max(1, len(days) // 10)  # at most ~10 day labels under the chart, as dd/mm
    day_labels = [f"{d['day'][8:10]}/{d['day'][5:7]}" if i % step == 0 else "" for i, d in enumerate(days)]
    day_values = [d["containment"] or 0 for d in days]
    return render(request, "dashboard.html", k=k, days=days, day_labels=day_labels, day_values=day_values, f=f,
                  kommuner=kommuner, callbacks=open_callbacks, p=p)  # fmt: skip


@router.get("/operator/calls")
def call_list(request: Request, p: Viewer) -> HTMLResponse:
    f = _filters(request, p)
    q = request.query_params
    a, b = period(f["from"] or None, f["to"] or None)
    flt = queries.CallFilter(f["kommune"], a, b, q.get("outcome") or None, q.get("intent") or None,
                             q.get("transfer_reason") or None)  # fmt: skip
    try:
        with _store(request).connect() as conn:
            rows, nxt = queries.list_calls(conn, flt, 50, q.get("cursor") or None)
            kommuner = queries.kommuner(conn) if not p.kommune else [p.kommune]
    except InputError as exc:
        raise HTTPException(422, str(exc)) from exc
    keep = {k: v for k, v in q.items() if k != "cursor" and v}
    next_url = f"?{urlencode({**keep, 'cursor': nxt})}" if nxt else None
    return render(request, "calls.html", calls=rows, f=f, q=q, kommuner=kommuner, next_url=next_url, p=p)


@router.get("/operator/calls/{call_id}")
def call_page(call_id: str, request: Request, p: Viewer) -> HTMLResponse:
    rec = _store(request).get(call_id)
    if rec is None or (p.kommune and rec["kommune"] != p.kommune):
        raise HTTPException(404, "Opkaldet findes ikke.")
    return render(request, "call.html", c=rec, p=p)


@router.get("/operator/live")
def live_page(request: Request, p: Viewer) -> HTMLResponse:
    with _store(request).connect() as conn:
        rows = queries.live_calls(conn, p.kommune)
    return render(request, "live.html", calls=rows, p=p)


@router.get("/operator/callbacks")
def callbacks_page(request: Request, p: Viewer) -> HTMLResponse:
    with _store(request).connect() as conn:
        rows = queries.callback_queue(conn, p.kommune)
    return render(request, "callbacks.html", callbacks=rows, p=p)


@router.post("/operator/callbacks/{callback_id}/done")
def callback_done_form(callback_id: int, request: Request, p: Annotated[Principal, Depends(operator)]) -> Response:
    from voicebot.api.callbacks import callback_done

    callback_done(callback_id, request, p)
    return RedirectResponse("/operator/callbacks", status_code=303)


@router.get("/operator/dialplans")
def dialplans_page(request: Request, p: Viewer) -> HTMLResponse:
    registry = request.app.state.services.dialplans
    plans = [registry.get(n) for n in registry.names()]
    return render(request, "dialplans.html", plans=plans, rejected=registry.rejected, p=p)


def _editor(request: Request, name: str, text: str, errors: list[str], saved: bool, p: Principal) -> HTMLResponse:
    marks = []
    for e in errors:
        parts = e.split(":", 3)
        line = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 1
        marks.append({"line": line, "text": e})
    return render(request, "dialplan_edit.html", 422 if errors else 200, name=name, text=text, errors=marks,
                  saved=saved, lines=text.split("\n"), bad={m["line"] for m in marks}, p=p)  # fmt: skip


@router.get("/operator/dialplans/{name}")
def dialplan_edit(name: str, request: Request, p: Viewer) -> HTMLResponse:
    from voicebot.api.dialplans import get_dialplan

    return _editor(request, name, get_dialplan(name, request, p)["yaml"], [], False, p)


@router.post("/operator/dialplans/{name}")
def dialplan_save(
    name: str, request: Request, p: Annotated[Principal, Depends(operator)], yaml: Annotated[str, Form()]
) -> HTMLResponse:
    from voicebot.api.dialplans import put_dialplan
    from voicebot.api.models import DialplanIn

    text = yaml.replace("\r\n", "\n")
    errors = validate_text(request, name, text)
    if not errors:
        put_dialplan(name, DialplanIn(yaml=text), request, p)
    return _editor(request, name, text, errors, not errors, p)


@router.get("/agent/calls/{call_id}")
def agent_page(call_id: str, request: Request, p: Annotated[Principal, Depends(agent)]) -> HTMLResponse:
    rec = _store(request).get(call_id)
    if rec is None or (p.call_id and p.call_id != call_id) or (p.kommune and rec["kommune"] != p.kommune):
        raise HTTPException(404, "Opkaldet findes ikke.")
    topic = rec["topic"] or next((i for i in rec["intents"] if i in labels.INTENTS), None)
    kb = getattr(request.app.state.services.intent_engine, "kb", None)
    guidance = kb.answer(topic, rec["kommune"]) if kb is not None and topic else None
    return render(request, "agent.html", c=rec, topic=topic, guidance=guidance, p=p)


@router.get("/operator/static/operator.css")
def stylesheet() -> Response:
    from fastapi.responses import FileResponse

    return FileResponse(Path(__file__).parent / "static" / "operator.css", media_type="text/css")
