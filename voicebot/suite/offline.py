"""Offline suite runs: every call through the real pipeline on its own virtual clock.

Calls run concurrently in one event loop (`jobs` at a time): each replay owns its clock, the
engines are shared through `Services`, and blocking ASR/TTS work runs in executor threads.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable

from tqdm import tqdm

from voicebot.clock import ComputeTiming
from voicebot.dialog.plan import Dialplan
from voicebot.errors import VoicebotError
from voicebot.gateway import Services
from voicebot.replay import replay_call
from voicebot.suite.cases import Case, Suite, load_recording
from voicebot.suite.results import CallResult, judge, start_result

log = logging.getLogger(__name__)


def plan_for(services: Services, case: Case) -> Dialplan:
    assert case.spec is not None
    if case.spec.number:
        return services.dialplans.for_number(case.spec.number)
    return services.dialplans.get(case.spec.dialplan or "default")


def call_timeout(audio_s: float) -> float:
    """Wall-clock limit for one replay: generous, it only catches a pipeline that hangs."""
    return 60.0 + 4.0 * audio_s


async def replay_case(
    case: Case, services: Services, *, keep_audio: bool = False, timing: ComputeTiming | None = None
) -> CallResult:
    result = start_result(case)
    if result.error:
        return result
    assert case.spec is not None
    t0 = time.perf_counter()
    try:
        rec = load_recording(case)
        plan = plan_for(services, case)
        call = replay_call(
            rec.audio,
            services=services,
            plan=plan,
            started_at=case.spec.at,
            dtmf=rec.dtmf,
            call_id=f"suite-{case.name}"[:64],
            timing=timing or ComputeTiming(),  # suites are for regression: fixed timing unless told
        )
        limit = call_timeout(rec.audio.duration)
        try:
            res = await asyncio.wait_for(call, limit)
        except TimeoutError:
            result.error = f"{case.name}: the replay did not finish within {limit:.0f} s (pipeline stuck?)"
            return result
    except VoicebotError as exc:
        msg = str(exc).replace(str(case.recording), case.recording.name if case.recording else "")
        result.error = msg if case.recording and case.recording.name in msg else f"{case.name}: {msg}"
        return result
    except Exception as exc:  # one broken call must not stop the suite; the report says why
        log.exception("replay of %s crashed", case.name)
        result.error = f"{case.name}: replay crashed: {type(exc).__name__}: {exc}"
        return result
    finally:
        result.wall_s = time.perf_counter() - t0
    result.audio_s = res.duration_s
    result.sample_rate = res.sample_rate
    if keep_audio:
        result.caller_audio, result.bot_audio = res.caller_audio, res.bot_audio
    return judge(case, result, res.record.to_dict())


async def run_offline(
    suite: Suite,
    services: Services,
    *,
    jobs: int = 2,
    keep_audio: bool = False,
    progress: bool = True,
    on_result: Callable[[CallResult], None] | None = None,
    timing: ComputeTiming | None = None,
) -> list[CallResult]:
    gate = asyncio.Semaphore(max(1, jobs))
    bar = tqdm(total=len(suite.cases), desc="replay", unit="call", file=sys.stderr, disable=not progress)
    failed = 0

    async def one(case: Case) -> CallResult:
        nonlocal failed
        async with gate:
            result = await replay_case(case, services, keep_audio=keep_audio, timing=timing)
        failed += not result.passed
        bar.set_postfix(failed=failed, refresh=False)
        bar.update(1)
        if on_result:
            on_result(result)
        return result

    try:
        return list(await asyncio.gather(*(one(c) for c in suite.cases)))
    finally:
        bar.close()
