"""Pure logic of the engine clients: the breaker's states, the retry policy, the pool's bounds."""

from __future__ import annotations

import threading

import pytest

from voicebot.engines.breaker import CircuitBreaker
from voicebot.engines.pool import Pool, PoolExhausted
from voicebot.engines.retry import RetryableFailure, RetryPolicy, with_retry


def test_breaker_opens_after_the_set_number_of_failures_and_probes_after_cooldown() -> None:
    b = CircuitBreaker(failures=2, cooldown_s=10.0)
    assert b.allow(0.0)
    b.record_failure(0.0)
    assert b.state == "closed" and b.allow(0.5)
    b.record_failure(1.0)
    assert b.state == "open" and b.opens == 1
    assert not b.allow(5.0) and b.retry_after(5.0) == pytest.approx(6.0)
    assert b.allow(11.0) and b.state == "half_open"  # one probe
    assert not b.allow(11.1), "a second request while the probe is out"
    b.record_failure(11.5)  # the probe failed: open again, for a full cooldown
    assert b.state == "open" and b.opens == 2 and not b.allow(20.0)
    assert b.allow(21.6)
    b.record_success()
    assert b.state == "closed" and b.failed_in_row == 0 and b.allow(21.7)


def test_a_success_resets_the_failure_count() -> None:
    b = CircuitBreaker(failures=2)
    b.record_failure(0.0)
    b.record_success()
    b.record_failure(1.0)
    assert b.state == "closed"


def test_a_cancelled_probe_lets_the_next_request_probe() -> None:
    b = CircuitBreaker(failures=1, cooldown_s=1.0)
    b.record_failure(0.0)
    assert b.allow(2.0)
    b.record_cancelled()
    assert b.state == "half_open" and b.allow(2.1)


def test_retry_only_idempotent_requests_and_only_retryable_failures() -> None:
    slept: list[float] = []
    tries = {"n": 0}

    def flaky() -> str:
        tries["n"] += 1
        if tries["n"] < 3:
            raise RetryableFailure("refused")
        return "ok"

    policy = RetryPolicy(attempts=3, backoff_s=0.1, factor=2.0)
    assert with_retry(flaky, policy, idempotent=True, sleep=slept.append) == "ok"
    assert tries["n"] == 3 and slept == [0.1, 0.2]

    tries["n"] = 0
    with pytest.raises(RetryableFailure):
        with_retry(flaky, policy, idempotent=False, sleep=slept.append)
    assert tries["n"] == 1

    def timeout() -> str:
        tries["n"] += 1
        raise TimeoutError("slow")

    tries["n"] = 0
    with pytest.raises(TimeoutError):
        with_retry(timeout, policy, idempotent=True, sleep=slept.append)
    assert tries["n"] == 1, "a timeout is not retried"


def test_backoff_is_capped() -> None:
    assert RetryPolicy(attempts=5, backoff_s=0.5, factor=4.0, max_backoff_s=1.0).delays() == [0.5, 1.0, 1.0, 1.0]


class Conn:
    def __init__(self, n: int) -> None:
        self.n, self.closed, self.ok = n, False, True

    def close(self) -> None:
        self.closed = True

    def reusable(self) -> bool:
        return self.ok


def test_pool_reuses_connections_closes_broken_ones_and_skips_stale_ones() -> None:
    made: list[Conn] = []
    pool: Pool[Conn] = Pool(lambda: made.append(Conn(len(made))) or made[-1], size=2, acquire_timeout_s=0.01)
    with pool.connection() as c:
        first = c
    with pool.connection() as c:
        assert c is first, "an idle connection is reused"
    with pytest.raises(RuntimeError), pool.connection() as c:
        raise RuntimeError("broke mid-request")
    assert first.closed and pool.idle == 0
    with pool.connection() as c:
        second = c
    second.ok = False  # the server closed it while idle
    with pool.connection() as c:
        assert c is not second and second.closed
    assert pool.opened == 3


def test_pool_is_bounded() -> None:
    pool: Pool[Conn] = Pool(lambda: Conn(0), size=2, acquire_timeout_s=0.05)
    hold = threading.Event()
    entered = threading.Barrier(3)

    def user() -> None:
        with pool.connection():
            entered.wait(timeout=5)
            hold.wait(timeout=5)

    threads = [threading.Thread(target=user) for _ in range(2)]
    for t in threads:
        t.start()
    entered.wait(timeout=5)
    with pytest.raises(PoolExhausted, match="all 2 connections busy"), pool.connection():
        pass
    hold.set()
    for t in threads:
        t.join(timeout=5)
    with pool.connection():
        pass
    assert pool.opened == 2
