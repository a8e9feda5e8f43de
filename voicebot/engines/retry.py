"""Bounded retries with exponential backoff, for idempotent requests only.

A transcription or a synthesis has no side effect on the server, so a request that failed to
connect, or whose connection broke before an answer came, may be sent again. A timeout is not
retried: the server is alive but slow, a second request doubles its load, and the caller is
already waiting. `sleep` is passed in, so tests run without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class RetryableFailure(Exception):
    """Raised by a request attempt whose failure may be retried (connect refused, connection reset)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 2  # in all, the first try included
    backoff_s: float = 0.05
    factor: float = 4.0
    max_backoff_s: float = 1.0

    def delays(self) -> list[float]:
        out, d = [], self.backoff_s
        for _ in range(max(0, self.attempts - 1)):
            out.append(min(d, self.max_backoff_s))
            d *= self.factor
        return out


def with_retry(
    attempt: Callable[[], T], policy: RetryPolicy, *, idempotent: bool, sleep: Callable[[float], None]
) -> T:
    """Run `attempt`; on `RetryableFailure`, and only if `idempotent`, try again after a backoff."""
    delays = policy.delays() if idempotent else []
    for delay in delays:
        try:
            return attempt()
        except RetryableFailure:
            sleep(delay)
    return attempt()
