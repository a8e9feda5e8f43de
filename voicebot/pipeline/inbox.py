"""A call's inbox: caller audio, DTMF and hang-up from the transport into the session.

`submit` may be called from any thread (a media clock thread, a SIP owner thread, aiortc's
loop): it hops onto the session's loop with `call_soon_threadsafe` and never blocks. When the
inbox is full the item is dropped and counted, and the transport keeps running.
"""

from __future__ import annotations

import asyncio

from voicebot.clock import Activity
from voicebot.frames import AudioFrame, CallerHangup, Dtmf
from voicebot.pipeline.channel import Channel

InboxItem = AudioFrame | Dtmf | CallerHangup


class CallInbox(Channel[InboxItem]):
    def __init__(self, activity: Activity, maxsize: int = 256, name: str = "inbox") -> None:
        super().__init__(activity, maxsize, name)
        self.dropped = 0
        self._loop = asyncio.get_running_loop()  # the session's loop: made on it, fed on it

    def submit(self, item: InboxItem) -> bool:
        """Thread-safe, non-blocking. Returns False when the item was dropped (inbox full)."""
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            return self._offer(item)
        loop.call_soon_threadsafe(self._offer, item)
        return True

    def _offer(self, item: InboxItem) -> bool:
        try:
            self.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            return False
        return True
