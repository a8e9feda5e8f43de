"""A circuit breaker for a remote engine. Pure: time is passed in.

closed ──(`failures` failed requests in a row)──► open ──(`cooldown_s` later)──► half-open
half-open lets one probe through: success closes the breaker, failure opens it again.
While open, `allow()` is False and the client fails at once, without waiting for a timeout.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

State = Literal["closed", "open", "half_open"]


@dataclass
class CircuitBreaker:
    failures: int = 1  # failed requests in a row that open the breaker
    cooldown_s: float = 15.0
    state: State = "closed"
    failed_in_row: int = 0
    opened_at: float | None = None
    opens: int = 0  # how often it has opened, for /metrics and tests
    _probing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allow(self, now: float) -> bool:
        """May a request go out now? In half-open state only one probe at a time is let through."""
        with self._lock:
            if self.state == "closed":
                return True
            if self.state == "open":
                assert self.opened_at is not None
                if now - self.opened_at < self.cooldown_s:
                    return False
                self.state = "half_open"
                self._probing = False
            if self._probing:
                return False
            self._probing = True
            return True

    def record_success(self) -> None:
        with self._lock:
            self.state, self.failed_in_row, self.opened_at, self._probing = "closed", 0, None, False

    def record_failure(self, now: float) -> None:
        with self._lock:
            self.failed_in_row += 1
            self._probing = False
            if self.state == "half_open" or self.failed_in_row >= self.failures:
                if self.state != "open":
                    self.opens += 1
                self.state, self.opened_at = "open", now

    def record_cancelled(self) -> None:
        """The request ended without a verdict (cancelled by the caller, or no free connection)."""
        with self._lock:
            self._probing = False

    def retry_after(self, now: float) -> float:
        """Seconds until a probe is let through (0 when closed)."""
        if self.state != "open" or self.opened_at is None:
            return 0.0
        return max(0.0, self.cooldown_s - (now - self.opened_at))
