"""Offline replay: a recorded call through the real pipeline, on a virtual clock.

The driver feeds the caller's audio in 20 ms frames, advancing the virtual clock frame by
frame; every advance waits until the pipeline has settled, so results are deterministic and
the run is as fast as the engines allow. After the recording ends, silence is fed until the
bot has finished its reply; then the caller hangs up.

Timing: `fixed` (a configured compute cost per recognition and synthesis) gives the same record
on a busy and on an idle machine; suites and `voicebot replay` use it by default. `measured`
charges what the work took here, for latency studies; it is this function's default, so pipeline
tests with scripted engines see their own timings.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from voicebot.audio.resample import resample
from voicebot.calls.record import CallRecord
from voicebot.clock import MEASURED, ComputeTiming, VirtualClock
from voicebot.dialog.plan import Dialplan
from voicebot.errors import EngineError
from voicebot.frames import AudioFrame, CallerHangup, Dtmf
from voicebot.gateway import CallSetup, Services, run_call
from voicebot.pipeline.session import CallSession
from voicebot.transports.wav import CallAudio, ReplayControl, TimelineSink

FRAME_S = 0.02


@dataclass
class ReplayResult:
    record: CallRecord
    bot_audio: np.ndarray
    caller_audio: np.ndarray
    sample_rate: int
    duration_s: float
    transfers: list[tuple[str, dict]] = field(default_factory=list)


def call_rate_for(audio_rate: int) -> int:
    """Telephone audio stays narrowband; anything wider runs as a 16 kHz wideband call."""
    return 8000 if audio_rate == 8000 else 16000


async def replay_call(
    audio: CallAudio,
    *,
    services: Services,
    plan: Dialplan,
    started_at: datetime | None = None,
    dtmf: list[tuple[float, str]] | None = None,
    call_id: str | None = None,
    tail_s: float = 30.0,
    timing: ComputeTiming | None = None,
    keep_record: bool = False,
) -> ReplayResult:
    rate = call_rate_for(audio.sample_rate)
    pcm = resample(audio.pcm, audio.sample_rate, rate)
    clock = VirtualClock(timing=timing or MEASURED)  # suites and the CLI pass fixed timing
    sink = TimelineSink(rate)
    control = ReplayControl()
    setup = CallSetup(
        clock=clock, sink=sink, control=control, in_rate=rate, channel="replay", call_id=call_id,
        started_at=started_at, journal=keep_record,
    )  # fmt: skip
    ready: asyncio.Future[CallSession] = asyncio.get_running_loop().create_future()
    run = asyncio.create_task(run_call(services, plan, setup, on_session=ready.set_result))
    await asyncio.wait({run, ready}, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        await run  # it failed before the call began (e.g. an engine could not load): raise that
    session = ready.result()
    pending_dtmf = sorted(dtmf or [])
    step = int(rate * FRAME_S)
    silence = np.zeros(step, dtype=np.int16)
    n_frames = (len(pcm) + step - 1) // step
    tail_frames = int(tail_s / FRAME_S)
    quiet_after = session.config.endpoint.end_silence_ms / 1000.0 + 0.1
    t = 0.0
    for i in range(n_frames + tail_frames):
        t = i * FRAME_S
        await clock.advance_to(t)
        if session.finished:
            break
        while pending_dtmf and pending_dtmf[0][0] <= t:
            await session.inbox.put(Dtmf(pending_dtmf.pop(0)[1], t))
        if i < n_frames:
            chunk = pcm[i * step : (i + 1) * step]
            if len(chunk) < step:
                chunk = np.concatenate([chunk, silence[: step - len(chunk)]])
        else:
            if t - audio.duration >= quiet_after and session.bot_idle(t):
                break
            chunk = silence
        await session.inbox.put(AudioFrame(chunk, rate, t))
    if not session.finished:
        await clock.advance_to(t)
        await session.inbox.put(CallerHangup(t))
    # Let the session finish: keep time moving in case it waits for playback to end, but
    # never forever: a call that has not ended a minute after the caller hung up is a bug.
    give_up = t + 60.0
    while not run.done() and t < give_up:
        t += FRAME_S
        await clock.advance_to(t)
    if not run.done():
        run.cancel()
        raise EngineError(f"call {session.record.call_id} did not end after the caller hung up (pipeline stuck)")
    rec = (await run).record
    duration = max(t, len(pcm) / rate)
    return ReplayResult(rec, sink.audio(duration), pcm, rate, duration, control.transfers)
