"""Call records, KPIs and live calls for operators (viewer role; a token may be bound to a kommune)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from voicebot.api import models
from voicebot.api.auth import Principal, scoped_kommune, viewer
from voicebot.api.period import period
from voicebot.calls import queries
from voicebot.calls.kpi import Period
from voicebot.calls.kpi_cache import period_days, period_kpis
from voicebot.calls.rows import local_fields
from voicebot.calls.store import utc_now
from voicebot.errors import InputError

router = APIRouter()
Viewer = Annotated[Principal, Depends(viewer)]
CSV_COLUMNS = ("call_id", "started_at", "ended_at", "kommune", "dialplan", "channel", "outcome", "topic",
               "transfer_reason", "after_hours", "rating", "end_reason")  # fmt: skip
CSV_MAX_ROWS = 200_000


def store(request: Request) -> Any:
    return request.app.state.services.calls


def call_filter(
    p: Principal, kommune: str | None, start: str | None, end: str | None, outcome: str | None,
    intent: str | None, transfer_reason: str | None,
) -> queries.CallFilter:  # fmt: skip
    a, b = period(start, end)
    return queries.CallFilter(scoped_kommune(p, kommune), a, b, outcome, intent, transfer_reason)


@router.get("/api/calls", response_model=models.CallPage)
def list_calls(
    request: Request, p: Viewer, kommune: str | None = None, start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None, outcome: str | None = None, intent: str | None = None,
    transfer_reason: str | None = None, cursor: str | None = None, limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:  # fmt: skip
    flt = call_filter(p, kommune, start, end, outcome, intent, transfer_reason)
    try:
        with store(request).connect() as conn:
            rows, nxt = queries.list_calls(conn, flt, limit, cursor)
    except InputError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"calls": rows, "next_cursor": nxt}


@router.get("/api/calls.csv", response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
def calls_csv(
    request: Request, p: Viewer, kommune: str | None = None, start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None, outcome: str | None = None, intent: str | None = None,
    transfer_reason: str | None = None,
) -> StreamingResponse:  # fmt: skip
    flt = call_filter(p, kommune, start, end, outcome, intent, transfer_reason)

    def rows() -> Iterator[str]:
        buf = io.StringIO()
        out = csv.writer(buf, delimiter=";")  # Danish Excel reads ; as the separator
        buf.write("\ufeff")  # and needs the BOM to read UTF-8 (æ, ø, å)
        out.writerow(CSV_COLUMNS)
        cursor, sent = None, 0
        while sent < CSV_MAX_ROWS:
            with store(request).connect() as conn:
                page, cursor = queries.list_calls(conn, flt, 1000, cursor)
            for r in page:
                out.writerow(["" if r[k] is None else r[k] for k in CSV_COLUMNS])
            sent += len(page)
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
            if cursor is None:
                break

    name = f"opkald-{start or 'start'}-{end or 'nu'}.csv".replace(":", "")
    return StreamingResponse(
        rows(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/api/calls/{call_id}", response_model=models.CallDetail)
def get_call(call_id: str, request: Request, p: Viewer) -> dict[str, Any]:
    rec = store(request).get(call_id)
    if rec is None or (p.kommune and rec["kommune"] != p.kommune):
        raise HTTPException(404, "no such call")
    return rec


@router.get("/api/kpis", response_model=models.Kpis)
def get_kpis(
    request: Request, p: Viewer, kommune: str | None = None, start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
) -> dict[str, Any]:  # fmt: skip
    a, b = period(start, end)
    k = scoped_kommune(p, kommune)
    out = period_kpis(store(request), Period(a, b, k), today())
    return {"period_from": start, "period_to": end, "kommune": k, **out}


def today() -> Any:
    """Today's Danish date: days before yesterday are closed and their KPI partials cacheable."""
    return local_fields(utc_now())["day"]


@router.get("/api/kpis/daily", response_model=models.DailyKpis)
def daily_kpis(
    request: Request, p: Viewer, kommune: str | None = None, start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
) -> dict[str, Any]:  # fmt: skip
    a, b = period(start, end)
    return {"days": period_days(store(request), Period(a, b, scoped_kommune(p, kommune)), today())}


@router.get("/api/live", response_model=models.LiveOut)
def live(request: Request, p: Viewer, kommune: str | None = None) -> dict[str, Any]:
    with store(request).connect() as conn:
        return {"calls": queries.live_calls(conn, scoped_kommune(p, kommune))}
