"""Call records: live calls in memory, finished calls in SQLite (embedded) or PostgreSQL.

`VOICEBOT_DATABASE_URL` picks the backend: `sqlite:///path.db` (default) or
`postgresql://user:pass@host/db` (needs the `psycopg` package).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from voicebot.calls.record import CallbackRequest, CallRecord, Turn
from voicebot.errors import ConfigError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    call_id TEXT PRIMARY KEY,
    dialplan TEXT NOT NULL,
    kommune TEXT,
    started_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    record TEXT NOT NULL
)
"""


class CallStore:
    def __init__(self, url: str = "sqlite:///:memory:") -> None:
        self.url = url
        self._live: dict[str, CallRecord] = {}
        self._lock = threading.Lock()
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._conn: Any = sqlite3.connect(path, check_same_thread=False)
            self._ph = "?"
        elif url.startswith(("postgresql://", "postgres://")):
            try:
                import psycopg
            except ImportError as exc:
                raise ConfigError("a PostgreSQL database URL needs the psycopg package: pip install psycopg") from exc
            self._conn = psycopg.connect(url, autocommit=True)
            self._ph = "%s"
        else:
            raise ConfigError(f"unsupported database URL {url!r}; use sqlite:///file.db or postgresql://…")
        with self._lock:
            self._conn.execute(_SCHEMA)
            self._commit()

    def _commit(self) -> None:
        if isinstance(self._conn, sqlite3.Connection):
            self._conn.commit()

    def start(self, record: CallRecord) -> None:
        with self._lock:
            self._live[record.call_id] = record

    def add_turn(self, record: CallRecord, turn: Turn) -> None:
        """A turn of a live call. This store keeps live calls in memory (the record object is shared),
        so there is nothing to write until `finish`."""

    def add_callback(self, record: CallRecord, request: CallbackRequest) -> None:
        """A callback request of a live call: written with the record at `finish`."""

    def purge(self, dialplan: str, before: str) -> int:
        """Delete the finished calls of `dialplan` that started before `before` (ISO 8601, UTC)."""
        ph = self._ph
        with self._lock:
            sql = f"DELETE FROM calls WHERE dialplan = {ph} AND started_at < {ph}"
            cur = self._conn.execute(sql, (dialplan, before))
            self._commit()
            return int(cur.rowcount or 0)

    def finish(self, record: CallRecord) -> None:
        ph = self._ph
        row = (record.call_id, record.dialplan, record.kommune, record.started_at, record.outcome, record.to_json(None))
        with self._lock:
            self._live.pop(record.call_id, None)
            self._conn.execute(f"DELETE FROM calls WHERE call_id = {ph}", (record.call_id,))
            self._conn.execute(f"INSERT INTO calls VALUES ({ph}, {ph}, {ph}, {ph}, {ph}, {ph})", row)
            self._commit()

    def get(self, call_id: str) -> dict[str, Any] | None:
        with self._lock:
            live = self._live.get(call_id)
            if live is not None:
                return {**live.to_dict(), "live": True}
            cur = self._conn.execute(f"SELECT record FROM calls WHERE call_id = {self._ph}", (call_id,))
            row = cur.fetchone()
        return {**json.loads(row[0]), "live": False} if row else None

    def recent(self, limit: int = 100, kommune: str | None = None) -> list[dict[str, Any]]:
        ph = self._ph
        where, args = (f"WHERE kommune = {ph}", [kommune]) if kommune else ("", [])
        with self._lock:
            sql = f"SELECT record FROM calls {where} ORDER BY started_at DESC LIMIT {ph}"
            cur = self._conn.execute(sql, (*args, limit))
            rows = cur.fetchall()
        return [json.loads(r[0]) for r in rows]

    def live_ids(self) -> list[str]:
        with self._lock:
            return list(self._live)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
