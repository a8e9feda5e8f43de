"""Call records queued on disk while the call database is unavailable.

`SpoolingJournal` stands in front of the call store as the call recorder's journal. When a write
fails with a database error, that call is "spooled": its whole record is written to a file in the
spool folder at that write and at every later one, so the file always holds the call as far as it
went. `replay()` (every few seconds in `serve`, and at start) writes each finished spooled call
to the database in one rewrite and deletes its file; nothing is lost while the disk holds.

- After a failure the database counts as down for `retry_s`: new calls go straight to the spool
  instead of each waiting on a connection that is refused or times out.
- A spooled call whose process is gone (a crash while the database was down) is closed as `error`
  at the next replay, like a live call in the database at start (`CallStore.recover`).
- Several workers may share one spool folder: a file is claimed by renaming it before replay.
- Files hold transcripts and caller numbers: the folder is 0700 and every file 0600.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from voicebot.calls.record import CallbackRequest, CallRecord, Turn
from voicebot.errors import EngineError

log = logging.getLogger(__name__)
DOWN = (SQLAlchemyError, EngineError, OSError)  # what a database that is unavailable raises
_SUFFIX = ".json"


def _alive(worker: str, host: str) -> bool:
    w_host, _, pid = worker.rpartition(":")
    if w_host != host or not pid.isdigit():
        return True  # another machine's call: it is not ours to close
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Spool:
    """One JSON file per call, written whole and atomically (a temporary file, then a rename)."""

    def __init__(self, folder: Path, worker: str) -> None:
        self.folder = folder
        self.worker = worker

    def _path(self, call_id: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in call_id)
        return self.folder / f"{safe}{_SUFFIX}"

    def put(self, record: CallRecord, *, finished: bool) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._path(record.call_id)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        body = json.dumps({"worker": self.worker, "finished": finished, "record": record.to_state()},
                          ensure_ascii=False).encode()  # fmt: skip
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)

    def pending(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.name.endswith(_SUFFIX) and not p.name.startswith("."))

    def queued(self) -> int:
        """Calls on disk and not yet in the database: waiting, or claimed and being written."""
        return len(self.pending()) + len(self._claims())

    def _claims(self) -> list[Path]:
        return list(self.folder.glob(f".*{_SUFFIX}.claimed-*")) if self.folder.is_dir() else []

    def claim(self, path: Path) -> Path | None:
        """Rename `path` to a name of this process's; None when another process claimed it first."""
        claimed = path.with_name(f".{path.name}.claimed-{os.getpid()}")
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            return None
        return claimed

    def release(self, claimed: Path) -> None:
        """Give a claimed file back (its replay failed), unless a newer snapshot took its place."""
        original = claimed.with_name(claimed.name[1:].rsplit(".claimed-", 1)[0])
        if original.exists():
            claimed.unlink(missing_ok=True)
        else:
            os.rename(claimed, original)

    def release_stale_claims(self) -> None:
        """Claims of processes that died mid-replay go back to the queue."""
        for p in self._claims():
            pid = p.name.rsplit("-", 1)[1]
            if pid.isdigit() and not _alive(f"{socket.gethostname()}:{pid}", socket.gethostname()):
                self.release(p)


class SpoolingJournal:
    """The call store as the recorder's journal, with the disk spool for when it is unavailable."""

    def __init__(self, store: Any, folder: Path, *, retry_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.store = store
        self.spool = Spool(folder, store.worker)
        self.retry_s = retry_s
        self.clock = clock
        self._lock = threading.Lock()
        self._spooled: set[str] = set()  # calls of this process whose writes go to the spool
        self._down_until = 0.0
        self.counts = {"spooled": 0, "replayed": 0, "replay_failures": 0}

    # ------------------------------------------------------------------ the journal (writer thread)
    def start(self, record: CallRecord) -> None:
        self._write("start", record)

    def add_turn(self, record: CallRecord, turn: Turn) -> None:
        self._write("add_turn", record, turn)

    def add_callback(self, record: CallRecord, request: CallbackRequest) -> None:
        self._write("add_callback", record, request)

    def finish(self, record: CallRecord) -> None:
        self._write("finish", record)

    def _write(self, method: str, record: CallRecord, *args: Any) -> None:
        with self._lock:
            spooled = record.call_id in self._spooled or self.clock() < self._down_until
        if not spooled:
            try:
                getattr(self.store, method)(record, *args)
                return
            except DOWN as exc:
                log.warning("call %s: database unavailable (%s); the call is queued on disk",
                            record.call_id, type(exc).__name__)  # fmt: skip
                with self._lock:
                    self._down_until = self.clock() + self.retry_s
        with self._lock:
            if record.call_id not in self._spooled:
                self._spooled.add(record.call_id)
                self.counts["spooled"] += 1
        self.spool.put(record, finished=method == "finish")

    @property
    def database_up(self) -> bool:
        with self._lock:
            return self.clock() >= self._down_until

    def pending(self) -> int:
        return self.spool.queued()

    # ------------------------------------------------------------------ replay (any thread)
    def replay(self) -> int:
        """Write every finished (or orphaned) spooled call to the database; the number written."""
        self.spool.release_stale_claims()
        written = 0
        host = self.store.worker.rsplit(":", 1)[0]
        for path in self.spool.pending():
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # being replaced, or claimed by another process
            if not entry["finished"] and _alive(entry["worker"], host):
                continue  # the call is still going
            claimed = self.spool.claim(path)
            if claimed is None:
                continue
            record = CallRecord.from_state(entry["record"])
            if not entry["finished"]:
                record.outcome, record.end_reason = "error", "crash"
                record.error = record.error or "gateway stopped during the call"
            try:
                self.store.rewrite(record)
            except DOWN as exc:
                self.spool.release(claimed)
                with self._lock:
                    self.counts["replay_failures"] += 1
                    self._down_until = self.clock() + self.retry_s
                log.warning("spool replay: database still unavailable (%s)", type(exc).__name__)
                break
            claimed.unlink(missing_ok=True)
            written += 1
            with self._lock:
                self._spooled.discard(record.call_id)
                self.counts["replayed"] += 1
                self._down_until = 0.0
        if written:
            log.info("spool replay: %d call(s) written to the database", written)
        return written


def default_spool_dir(database_url: str) -> Path:
    """Beside an SQLite file (`calls.db` → `calls.db.spool`); `voicebot-spool` in the working folder otherwise."""
    from voicebot.calls.db import sqlite_path

    path = sqlite_path(database_url) if database_url.startswith("sqlite") else None
    return Path(f"{path}.spool") if path else Path("voicebot-spool")


__all__ = ["Spool", "SpoolingJournal", "default_spool_dir"]
