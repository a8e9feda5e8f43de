import asyncio

import pytest

from voicebot.clock import VirtualClock
from voicebot.pipeline.channel import Channel
from voicebot.pipeline.tasks import TaskOwner


async def test_virtual_clock_wakes_sleepers_in_deadline_order() -> None:
    clock = VirtualClock()
    owner = TaskOwner(clock.activity)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, deadline: float) -> None:
        await clock.sleep_until(deadline)
        woke.append((name, clock.now()))

    for name, d in (("c", 3.0), ("a", 1.0), ("b", 2.0)):
        owner.spawn(sleeper(name, d), name)
    await clock.advance_to(2.5)
    assert woke == [("a", 1.0), ("b", 2.0)]
    assert clock.now() == 2.5
    await clock.advance_to(10)
    assert woke[-1] == ("c", 3.0)
    await owner.close()
    assert clock.activity.count == 0


async def test_settle_waits_for_a_chain_of_stages() -> None:
    clock = VirtualClock()
    owner = TaskOwner(clock.activity)
    a: Channel[int] = Channel(clock.activity, 4)
    b: Channel[int] = Channel(clock.activity, 4)
    out: list[int] = []

    async def double() -> None:
        while True:
            x = await a.get()
            await asyncio.sleep(0.01)  # real work takes real time; the clock must wait
            await b.put(x * 2)

    async def collect() -> None:
        while True:
            out.append(await b.get())

    owner.spawn(double(), "double")
    owner.spawn(collect(), "collect")
    for i in range(3):
        await a.put(i)
    await clock.settle()
    assert out == [0, 2, 4]  # ordering kept, and nothing left in flight
    await owner.close()


async def test_drain_drops_queued_items_and_releases_activity() -> None:
    clock = VirtualClock()
    ch: Channel[str] = Channel(clock.activity, 8)
    for s in "abc":
        await ch.put(s)
    assert clock.activity.count == 3
    assert ch.drain() == ["a", "b", "c"]
    assert clock.activity.count == 0


async def test_cancelled_sleeper_keeps_accounting_balanced() -> None:
    clock = VirtualClock()
    owner = TaskOwner(clock.activity)
    task = owner.spawn(clock.sleep_until(5.0), "sleeper")
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert clock.activity.count == 0
