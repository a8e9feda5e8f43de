"""A bounded pool of open connections to one server.

At most `size` connections exist at once; a caller that finds none free waits up to
`acquire_timeout_s` and then fails (the server is saturated: better a clear error than a queue
that grows without bound). A connection that saw an error is closed, never returned.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class PoolExhausted(Exception):
    """No connection became free in time."""


class Pool(Generic[C]):
    def __init__(self, connect: Callable[[], C], size: int = 4, acquire_timeout_s: float = 2.0) -> None:
        if size < 1:
            raise ValueError("pool size must be at least 1")
        self._connect = connect
        self.size = size
        self.acquire_timeout_s = acquire_timeout_s
        self._idle: list[C] = []
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self.opened = 0  # connections made in all, for tests and stats

    @contextmanager
    def connection(self) -> Iterator[C]:
        """A connection for one request; closed instead of reused if the block raises."""
        if not self._slots.acquire(timeout=self.acquire_timeout_s):
            raise PoolExhausted(f"all {self.size} connections busy for {self.acquire_timeout_s:.1f} s")
        conn: C | None = None
        try:
            conn = self._take_idle()
            if conn is None:
                conn = self._connect()
                with self._lock:
                    self.opened += 1
            yield conn
        except BaseException:
            if conn is not None:
                _close(conn)
            raise
        else:
            with self._lock:
                self._idle.append(conn)
        finally:
            self._slots.release()

    def _take_idle(self) -> C | None:
        """An idle connection that is still usable; stale ones (closed by the server) are closed here."""
        while True:
            with self._lock:
                if not self._idle:
                    return None
                conn = self._idle.pop()
            check = getattr(conn, "reusable", None)
            if check is None or check():
                return conn
            _close(conn)

    def discard_idle(self) -> None:
        """Close every idle connection (after the server went away, they are all stale)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close(conn)

    @property
    def idle(self) -> int:
        return len(self._idle)


def _close(conn: Closable) -> None:
    with contextlib.suppress(Exception):  # closing a broken connection may fail; nothing to do
        conn.close()
