"""Call records in a real schema, written turn by turn as the call goes (SQLite or PostgreSQL).

The call core calls, from a worker thread and in this order: `start(record)` when the call is
answered, `add_turn(record, turn)` after each turn, `add_callback(record, request)` when the
caller asks for a call back, `finish(record)` at the end. A crash loses at most the turn in
progress; `recover()` (run when a store opens) closes calls that a dead process left open as
`error`. Every worker writes to the same database, so `live_ids()` sees the calls of all workers.
Text is redacted (CPR numbers) before it is written. Readers live in `voicebot.calls.queries`.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from voicebot.calls import queries
from voicebot.calls.db import open_engine, sqlite_path, upgrade
from voicebot.calls.kpi_cache import invalidate_days
from voicebot.calls.record import CallbackRequest, CallRecord, Turn
from voicebot.calls.rows import call_row, duration_end, first_topic, parse_time, turn_key, turn_row
from voicebot.calls.schema import call_intents, callbacks, calls, gaps, metadata, turns
from voicebot.errors import EngineError

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class _Progress:
    """What of one live call is already in the database."""

    started: datetime
    day: Any
    record: CallRecord
    turns: dict[tuple[str, float, str], tuple[int, float]] = field(default_factory=dict)  # key -> (seq, end_s)
    gaps: int = 0
    intents: set[str] = field(default_factory=set)
    topic: str | None = None
    callback: bool = False


class CallStore:
    def __init__(
        self, url: str = "sqlite:///:memory:", *, worker: str | None = None, now: Callable[[], datetime] = utc_now
    ) -> None:
        self.url = url
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if sqlite_path(url) is None and url.startswith("sqlite"):
            # "in memory": a throwaway file, so threads get their own connections (WAL) as with a real file
            self._scratch = tempfile.TemporaryDirectory(prefix="voicebot-calls-")
            url = f"sqlite:///{self._scratch.name}/calls.db"
        self.engine = open_engine(url)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.now = now
        self._progress: dict[str, _Progress] = {}
        self._lock = threading.Lock()
        self._wlock = threading.RLock()
        try:
            if self._scratch is not None:
                metadata.create_all(self.engine)  # a throwaway database needs no migration history
            else:
                upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise EngineError(f"cannot open the call database: {type(exc).__name__}") from exc
        self.recovered = self.recover()

    # ------------------------------------------------------------------ writers (call core)
    def start(self, record: CallRecord) -> None:
        row = call_row(record, self.worker, live=True)
        with self._write() as conn:
            old = conn.execute(select(calls.c.day, calls.c.kommune).where(calls.c.call_id == record.call_id)).first()
            if old is not None:  # a reused test id: the old call goes, and its day's KPI partials
                conn.execute(delete(calls).where(calls.c.call_id == record.call_id))
                invalidate_days(conn, [(old.day, old.kommune)])
            conn.execute(insert(calls).values(**row))
            invalidate_days(conn, [(row["day"], record.kommune)])
        with self._lock:
            self._progress[record.call_id] = _Progress(row["started_at"], row["day"], record)

    def add_turn(self, record: CallRecord, turn: Turn) -> None:
        with self._locked_write() as conn:
            self._write_turns(conn, record, [turn])

    def add_callback(self, record: CallRecord, request: CallbackRequest) -> None:
        with self._locked_write() as conn:
            self._write_callback(conn, record, request)

    def finish(self, record: CallRecord) -> None:
        with self._lock:
            known = record.call_id in self._progress
        if not known:  # finished without start (replay, or a store opened after the start)
            self.start(record)
        row = call_row(record, self.worker, live=False)
        with self._locked_write() as conn:
            self._write_turns(conn, record, list(record.turns))
            if record.callback is not None:
                self._write_callback(conn, record, record.callback)
            row["ended_at"] = self._call_time(record, row["started_at"])
            for key in ("call_id", "started_at", "day", "hour", "weekday"):
                row.pop(key)
            conn.execute(update(calls).where(calls.c.call_id == record.call_id).values(**row))
            invalidate_days(conn, [(self._progress_of(record).day, record.kommune)])
        with self._lock:
            self._progress.pop(record.call_id, None)

    def rewrite(self, record: CallRecord) -> None:
        """Write the whole call again, whatever was written before (a call replayed from the spool:
        writes that failed mid-transaction may have left this process's progress ahead of the rows)."""
        with self._lock:
            self._progress.pop(record.call_id, None)
        self.finish(record)

    def _progress_of(self, record: CallRecord) -> _Progress:
        with self._lock:
            prog = self._progress.get(record.call_id)
        if prog is None:
            raise EngineError(f"call {record.call_id}: add_turn/add_callback before start", retryable=False)
        return prog

    def _write_turns(self, conn: Any, record: CallRecord, new: list[Turn]) -> None:
        prog = self._progress_of(record)
        now = self.now()
        for turn in new:
            key = turn_key(turn)
            end = round(turn.end_s, 3)
            if key in prog.turns:
                seq, written_end = prog.turns[key]
                if written_end != end:  # a barge-in cut the bot's turn after it was written
                    conn.execute(update(turns).where(turns.c.call_id == record.call_id, turns.c.seq == seq)
                                 .values(end_s=end))  # fmt: skip
                    prog.turns[key] = (seq, end)
                continue
            conn.execute(insert(turns).values(**turn_row(record.call_id, len(prog.turns), turn, now)))
            prog.turns[key] = (len(prog.turns), end)
            # only what the dialog acted on (`Turn.acted`); a rejected guess is in `heard`, not here
            acted = turn.acted if turn.acted is not None else (turn.intent,) if turn.intent else ()
            for intent in acted if turn.speaker == "caller" else ():
                if intent == "ukendt" or intent in prog.intents:
                    continue
                conn.execute(insert(call_intents).values(
                    call_id=record.call_id, intent=intent, kommune=record.kommune, started_at=prog.started,
                    day=prog.day))
                prog.intents.add(intent)
                if prog.topic is None and first_topic([intent]):
                    prog.topic = intent
                    conn.execute(update(calls).where(calls.c.call_id == record.call_id).values(topic=intent))
        new_gaps = record.response_gaps_ms[prog.gaps:]
        if new_gaps:
            conn.execute(insert(gaps), [
                {"call_id": record.call_id, "seq": prog.gaps + i, "ms": round(g), "kommune": record.kommune,
                 "started_at": prog.started, "day": prog.day} for i, g in enumerate(new_gaps)
            ])  # fmt: skip
            prog.gaps += len(new_gaps)

    def _write_callback(self, conn: Any, record: CallRecord, request: CallbackRequest) -> None:
        prog = self._progress_of(record)
        if prog.callback:
            return
        conn.execute(insert(callbacks).values(
            call_id=record.call_id, kommune=record.kommune, number=request.number, reason=request.reason,
            created_at=self._call_time(record, prog.started)))  # fmt: skip
        prog.callback = True

    def _call_time(self, record: CallRecord, started: datetime) -> datetime:
        """Now, on the call's clock: a replay runs on virtual time from its `started_at`."""
        return duration_end(started, record) if record.channel == "replay" else self.now()

    def _write(self) -> Any:
        return _Tx(self)

    def _locked_write(self) -> Any:
        """Writes of live calls: one at a time per process (the journal thread and readers' flushes)."""
        return _Locked(self._wlock, _Tx(self))

    # ------------------------------------------------------------------ crash recovery
    def recover(self) -> list[str]:
        """Close, as `error`, the live calls of processes on this host that no longer run."""
        host = self.worker.rsplit(":", 1)[0]
        with self.engine.connect() as conn:
            rows = conn.execute(select(calls.c.call_id, calls.c.worker).where(calls.c.live.is_(True))).all()
        dead = [r.call_id for r in rows if _dead_here(r.worker, host, self.worker)]
        if dead:
            with self._write() as conn:
                days = conn.execute(select(calls.c.day, calls.c.kommune).where(calls.c.call_id.in_(dead))).all()
                invalidate_days(conn, [(d.day, d.kommune) for d in days])
                conn.execute(update(calls).where(calls.c.call_id.in_(dead)).values(
                    live=False, outcome="error", end_reason="crash", error="gateway stopped during the call",
                    ended_at=self.now()))  # fmt: skip
            log.warning("closed %d call(s) left open by a stopped gateway as error", len(dead))
        return dead

    # ------------------------------------------------------------------ readers
    def get(self, call_id: str) -> dict[str, Any] | None:
        with self._lock:
            prog = self._progress.get(call_id)
        if prog is not None:  # live here: what the call core has not handed over yet is written first
            with self._locked_write() as conn:
                self._write_turns(conn, prog.record, list(prog.record.turns))
        with self.engine.connect() as conn:
            return queries.call_detail(conn, call_id)

    def recent(self, limit: int = 100, kommune: str | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return queries.list_calls(conn, queries.CallFilter(kommune=kommune), limit)[0]

    def live_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(calls.c.call_id).where(calls.c.live.is_(True)))]

    def connect(self) -> Any:
        return self.engine.connect()

    def close(self) -> None:
        self.engine.dispose()
        if self._scratch is not None:
            self._scratch.cleanup()


class _Tx:
    """One write transaction; database errors become a retryable `EngineError`."""

    def __init__(self, store: CallStore) -> None:
        self.store = store
        self._cm: Any = None

    def __enter__(self) -> Any:
        self._cm = self.store.engine.begin()
        try:
            return self._cm.__enter__()
        except SQLAlchemyError as exc:
            raise EngineError(f"call database unavailable: {type(exc).__name__}") from exc

    def __exit__(self, *exc: Any) -> None:
        try:
            self._cm.__exit__(*exc)
        except SQLAlchemyError as err:
            raise EngineError(f"call database write failed: {type(err).__name__}") from err
        if exc[0] is not None and isinstance(exc[1], SQLAlchemyError):
            raise EngineError(f"call database write failed: {type(exc[1]).__name__}") from exc[1]


class _Locked:
    def __init__(self, lock: Any, inner: _Tx) -> None:
        self.lock, self.inner = lock, inner

    def __enter__(self) -> Any:
        self.lock.acquire()
        try:
            return self.inner.__enter__()
        except BaseException:
            self.lock.release()
            raise

    def __exit__(self, *exc: Any) -> None:
        try:
            self.inner.__exit__(*exc)
        finally:
            self.lock.release()


def _dead_here(worker: str, host: str, me: str) -> bool:
    w_host, _, pid = worker.rpartition(":")
    if w_host != host or not pid.isdigit() or worker == me:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


__all__ = ["CallStore", "parse_time", "utc_now"]
