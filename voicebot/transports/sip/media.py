"""The per-call media port. Its callbacks run on pjmedia's conference clock thread: they only
copy bytes and touch a deque, and never call pjsua2.

`bytes(frame.buf)` walks the SWIG vector element by element (~150 µs a frame); reading the
std::vector's begin/end pointers through ctypes costs ~2 µs. libstdc++ lays a vector out as
three pointers (begin, end, end of storage), which is what `_vec_span` reads.
"""

from __future__ import annotations

import ctypes
import time
from collections import deque
from collections.abc import Callable

import pjsua2 as pj

from voicebot.frames import FRAME_MS

_PTR = ctypes.sizeof(ctypes.c_void_p)


def _vec_span(vec: pj.ByteVector) -> tuple[int, int]:
    addr = int(vec.this)
    begin = ctypes.c_void_p.from_address(addr).value or 0
    end = ctypes.c_void_p.from_address(addr + _PTR).value or 0
    return begin, end - begin


def frame_bytes(frame: pj.MediaFrame) -> bytes:
    begin, size = _vec_span(frame.buf)
    return ctypes.string_at(begin, size) if begin and size > 0 else b""


class CallPort(pj.AudioMediaPort):
    """Caller audio out to `on_rx(bytes)`; bot audio in from `out` (a deque of 20 ms PCM16 frames).

    With `trace`, `on_rx` also gets the clock thread's monotonic time of each frame, and the
    times at which bot frames were handed to the bridge are kept in `tx_times` (barge-in bench).
    """

    def __init__(self, rate: int, on_rx: Callable[..., None], trace: bool = False) -> None:
        super().__init__()
        self.rate = rate
        self.frame_bytes = rate * FRAME_MS // 1000 * 2
        self.out: deque[bytes] = deque()
        self.on_rx = on_rx
        self.rx_frames = 0
        self.tx_frames = 0
        self.active = True
        self.trace = trace
        self.tx_times: deque[float] = deque(maxlen=6000)

    def open(self, name: str) -> None:
        fmt = pj.MediaFormatAudio()
        fmt.type = pj.PJMEDIA_TYPE_AUDIO
        fmt.clockRate = self.rate
        fmt.channelCount = 1
        fmt.bitsPerSample = 16
        fmt.frameTimeUsec = FRAME_MS * 1000
        self.createPort(name, fmt)

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if not self.active or frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO:
            return
        data = frame_bytes(frame)
        if data:
            self.rx_frames += 1
            if self.trace:
                self.on_rx(data, time.monotonic())
            else:
                self.on_rx(data)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        try:
            data = self.out.popleft()
        except IndexError:
            frame.type = pj.PJMEDIA_FRAME_TYPE_NONE
            frame.size = 0
            return
        buf = frame.buf
        if buf.size() != len(data):
            buf.resize(len(data))
        begin, _ = _vec_span(buf)
        ctypes.memmove(begin, data, len(data))
        frame.size = len(data)
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        self.tx_frames += 1
        if self.trace:
            self.tx_times.append(time.monotonic())
