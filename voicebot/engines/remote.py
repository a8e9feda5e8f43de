"""`RemoteEngine`: one remote speech server, with timeouts, a bounded pool, retries and a breaker.

Every request gets one deadline (`timeout_s`) that covers its retries. Failures are translated
once, here, into `EngineError`; the call pipeline turns that into a `technical` transfer. While
the breaker is open a request fails at once, so a dead server costs one timeout, not one per turn.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from voicebot.engines.breaker import CircuitBreaker
from voicebot.engines.pool import Closable, Pool, PoolExhausted
from voicebot.engines.retry import RetryableFailure, RetryPolicy, with_retry
from voicebot.engines.wyoming import Cancelled, ConnectionClosed
from voicebot.errors import EngineError

log = logging.getLogger(__name__)
T = TypeVar("T")
C = TypeVar("C", bound=Closable)

# Failures of the connection itself: nothing reached the server, or its answer never came back.
CONNECTION_ERRORS = (ConnectionRefusedError, ConnectionResetError, BrokenPipeError, ConnectionClosed)


@dataclass(frozen=True)
class EngineLimits:
    """How long to wait and how hard to try; the dialplan's `engines.asr/tts` set these."""

    connect_timeout_s: float = 1.0
    timeout_s: float = 10.0  # one request, retries included
    pool_size: int = 8
    retries: int = 1  # extra attempts after a connection failure (idempotent requests only)
    backoff_s: float = 0.05
    breaker_failures: int = 1  # failed requests in a row that open the breaker
    breaker_cooldown_s: float = 15.0


def limits_for(section: Any) -> EngineLimits:
    """The limits a dialplan engine section (`engines.asr` / `engines.tts`) asks for."""
    return EngineLimits(
        connect_timeout_s=section.connect_timeout_s, timeout_s=section.timeout_s, pool_size=section.pool_size,
        retries=section.retries, breaker_failures=section.breaker.failures,
        breaker_cooldown_s=section.breaker.cooldown_s,
    )  # fmt: skip


class RemoteEngine(Generic[C]):
    def __init__(
        self,
        name: str,
        connect: Callable[[], C] | None,
        limits: EngineLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.limits = limits
        self.breaker = CircuitBreaker(limits.breaker_failures, limits.breaker_cooldown_s)
        self.pool: Pool[C] | None = Pool(connect, limits.pool_size, limits.timeout_s) if connect else None
        self.policy = RetryPolicy(attempts=1 + limits.retries, backoff_s=limits.backoff_s)
        self._clock = clock
        self._sleep = sleep

    def call(self, fn: Callable[[C, float], T], *, idempotent: bool = True) -> T:
        """Run `fn(connection, deadline)` on a pooled connection."""
        pool = self.pool
        assert pool is not None, "call() needs a connection factory; use call_plain()"

        def attempt(deadline: float) -> T:
            try:
                with pool.connection() as conn:
                    return fn(conn, deadline)
            except CONNECTION_ERRORS as exc:
                pool.discard_idle()  # the server went away: every idle connection is stale
                raise RetryableFailure(f"{type(exc).__name__}: {exc}") from exc

        return self.call_plain(attempt, idempotent=idempotent)

    def call_plain(self, fn: Callable[[float], T], *, idempotent: bool = True) -> T:
        """Run `fn(deadline)` under the breaker and the retry policy (for clients with their own pool)."""
        now = self._clock()
        if not self.breaker.allow(now):
            wait = self.breaker.retry_after(now)
            raise EngineError(f"{self.name}: server marked down (circuit open, next try in {wait:.0f} s)")
        deadline = now + self.limits.timeout_s
        try:
            result = with_retry(lambda: fn(deadline), self.policy, idempotent=idempotent, sleep=self._sleep)
        except Cancelled:
            self.breaker.record_cancelled()
            raise
        except PoolExhausted as exc:  # saturated, not dead: fail this request, leave the breaker alone
            self.breaker.record_cancelled()
            raise EngineError(f"{self.name}: {exc}") from exc
        except RetryableFailure as exc:
            self._failed()
            raise EngineError(f"{self.name}: server unreachable ({exc})") from exc
        except TimeoutError as exc:
            self._failed()
            raise EngineError(f"{self.name}: no answer within {self.limits.timeout_s:.1f} s") from exc
        except EngineError:
            self._failed()
            raise
        except Exception as exc:  # protocol errors, HTTP errors, OS errors: all one EngineError
            self._failed()
            raise EngineError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        self.breaker.record_success()
        return result

    def _failed(self) -> None:
        before = self.breaker.state
        self.breaker.record_failure(self._clock())
        if self.breaker.state == "open" and before != "open":
            log.warning("%s: circuit opened for %.0f s", self.name, self.limits.breaker_cooldown_s)
