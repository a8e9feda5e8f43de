"""Owned tasks: every task a call starts is tracked, and all are cancelled and awaited at the end."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from voicebot.clock import Activity

log = logging.getLogger(__name__)


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    if task is None or task.done():
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:  # noqa: BLE001 - the owner logged it and counted it as a failure
        pass


class TaskOwner:
    """Starts tasks that count as activity while they run and are cancelled together."""

    def __init__(
        self, activity: Activity, name: str = "", on_failure: Callable[[str, BaseException], None] | None = None
    ) -> None:
        self._activity = activity
        self._tasks: set[asyncio.Task[Any]] = set()
        self.name = name
        self.failures: list[BaseException] = []
        self._on_failure = on_failure

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        self._activity.add()
        task = asyncio.get_running_loop().create_task(self._run(coro, name), name=f"{self.name}:{name}")
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._finished(t, coro))
        return task

    def _finished(self, task: asyncio.Task[Any], coro: Coroutine[Any, Any, Any]) -> None:
        # A done callback runs even for a task cancelled before it started; then close its
        # coroutine so it is not reported as never awaited.
        self._tasks.discard(task)
        self._activity.done()
        coro.close()
        if not task.cancelled():
            task.exception()  # logged and reported in _run; mark it retrieved

    async def _run(self, coro: Coroutine[Any, Any, Any], name: str) -> Any:
        try:
            return await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("task %s failed", name)
            self.failures.append(exc)
            if self._on_failure is not None:
                self._on_failure(name, exc)
            raise

    async def close(self) -> None:
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                await cancel_and_wait(task)

    @property
    def running(self) -> int:
        return sum(1 for t in self._tasks if not t.done())
