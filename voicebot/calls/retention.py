"""GDPR: retention per dialplan, and erasure of one citizen's calls (the right to be forgotten).

`apply_retention` deletes, per dialplan with `retention_days`, the calls older than that with
their turns, intents, gaps and done callbacks (a call whose callback is still open is kept
until staff close it), and the recorded cases of those dialplans older than that.
`erase_caller` deletes every call from a number, with its callbacks and recordings.
Time is passed in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, exists, select

from voicebot.calls.kpi_cache import invalidate_days
from voicebot.calls.schema import callbacks, calls

log = logging.getLogger(__name__)
BATCH = 1000
_STAMP = re.compile(r"^(\d{8}T\d{6})")


@dataclass
class Deleted:
    calls: int = 0
    recordings: int = 0
    per_dialplan: dict[str, int] = field(default_factory=dict)


def _delete_calls(engine: Any, ids: list[str]) -> int:
    n = 0
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        with engine.begin() as conn:
            days = conn.execute(select(calls.c.day, calls.c.kommune).where(calls.c.call_id.in_(chunk)).distinct()).all()
            conn.execute(delete(callbacks).where(callbacks.c.call_id.in_(chunk)))
            n += conn.execute(delete(calls).where(calls.c.call_id.in_(chunk))).rowcount or 0
            invalidate_days(conn, [(d.day, d.kommune) for d in days])  # those days must be summed again
    return n


def _recordings(folder: Path) -> Iterable[Path]:
    return (p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else ()


def apply_retention(store: Any, plans: Iterable[Any], record_dir: Path | None, now: datetime) -> Deleted:
    """`now` is naive UTC. Plans without `retention_days` keep everything."""
    out = Deleted()
    open_cb = exists().where(and_(callbacks.c.call_id == calls.c.call_id, callbacks.c.done_at.is_(None)))
    for plan in plans:
        days = getattr(plan, "retention_days", None)
        if not days:
            continue
        cutoff = now - timedelta(days=days)
        with store.connect() as conn:
            ids = conn.execute(
                select(calls.c.call_id).where(calls.c.dialplan == plan.name, calls.c.started_at < cutoff,
                                              calls.c.live.is_(False), ~open_cb)
            ).scalars().all()
        n = _delete_calls(store.engine, list(ids))
        out.calls += n
        out.per_dialplan[plan.name] = n
        if record_dir is not None:
            for path in _recordings(record_dir / plan.name):
                m = _STAMP.match(path.name)
                if m and datetime.strptime(m.group(1), "%Y%m%dT%H%M%S") < cutoff:
                    path.unlink(missing_ok=True)
                    out.recordings += 1
    log.info("retention: deleted %d calls and %d recording files", out.calls, out.recordings)
    return out


def number_digits(number: str) -> str:
    """The national significant digits of a Danish number: '+45 20 30 40 50', '004520304050',
    'sip:+4520304050@host' all give '20304050'."""
    user = number.split("@", 1)[0]
    digits = "".join(c for c in user if c.isdigit())
    if digits.startswith("0045"):
        digits = digits[4:]
    elif digits.startswith("45") and len(digits) == 10:
        digits = digits[2:]
    return digits


def erase_caller(store: Any, number: str, record_dir: Path | None) -> Deleted:
    want = number_digits(number)
    out = Deleted()
    if len(want) < 6:
        return out
    with store.connect() as conn:
        rows = conn.execute(
            select(calls.c.call_id, calls.c.caller).where(calls.c.caller.contains(want[-6:]))
        ).all()
        cb_ids = [
            r.id for r in conn.execute(select(callbacks.c.id, callbacks.c.number).where(
                callbacks.c.number.contains(want[-6:]))).all() if number_digits(r.number) == want
        ]  # fmt: skip
    ids = [r.call_id for r in rows if number_digits(r.caller) == want]
    if cb_ids:
        with store.engine.begin() as conn:
            conn.execute(delete(callbacks).where(callbacks.c.id.in_(cb_ids)))
    out.calls = _delete_calls(store.engine, ids)
    if record_dir is not None and ids:
        wanted = set(ids)
        for path in (p for d in record_dir.iterdir() if d.is_dir() for p in _recordings(d)):
            stem = path.name.split(".", 1)[0]
            if stem.split("-", 1)[-1] in wanted:
                path.unlink(missing_ok=True)
                out.recordings += 1
    log.info("erasure: deleted %d calls and %d recording files", out.calls, out.recordings)
    return out
