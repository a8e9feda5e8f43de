"""Bounded channels between stages, with activity accounting for the virtual clock.

Every queued item and every running consumer holds one unit of `Activity`. A consumer
gives its unit back while it waits and takes over the item's unit when it receives one.
So `activity == 0` means: nothing queued and no stage working, i.e. the pipeline settled.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

from voicebot.clock import Activity

T = TypeVar("T")


class Channel(Generic[T]):
    def __init__(self, activity: Activity, maxsize: int = 64, name: str = "") -> None:
        self._q: asyncio.Queue[T] = asyncio.Queue(maxsize)
        self._activity = activity
        self.name = name

    def qsize(self) -> int:
        return self._q.qsize()

    async def put(self, item: T) -> None:
        self._activity.add()
        try:
            await self._q.put(item)
        except BaseException:
            self._activity.done()
            raise

    def put_nowait(self, item: T) -> None:
        """For producers on the loop that must not block (e.g. transport callbacks)."""
        self._q.put_nowait(item)  # raises QueueFull before we count it
        self._activity.add()

    async def get(self) -> T:
        """Called by the owning stage task, which holds one activity unit while it runs."""
        self._activity.done()
        try:
            return await self._q.get()
        except BaseException:
            self._activity.add()
            raise

    def drain(self) -> list[T]:
        """Drop everything queued (used on interruption); returns what was dropped."""
        dropped: list[T] = []
        while True:
            try:
                dropped.append(self._q.get_nowait())
            except asyncio.QueueEmpty:
                break
        if dropped:
            self._activity.done(len(dropped))
        return dropped
