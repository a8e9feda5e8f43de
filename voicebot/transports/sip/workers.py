"""`voicebot serve --workers N`: a supervisor that runs N SIP worker processes on consecutive
ports (each holds up to the per-process call limit) and restarts any that die.

The supervisor itself serves the HTTP API; workers run SIP only (`--http-port 0`) and write
finished calls to the shared call store. Kamailio (`voicebot kamailio-config`) fronts them.
Workers hold no ASR model: `serve` starts one shared `asr-serve` process (see asr_process.py)
and passes its URL to every worker with `--asr-service`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)
RESTART_DELAY_S = (0.5, 1.0, 2.0, 5.0, 10.0)


def worker_argv(index: int, host: str, base_port: int, extra: Sequence[str]) -> list[str]:
    return [
        sys.executable, "-m", "voicebot.cli", "serve", "--worker",
        "--sip-host", host, "--sip-port", str(base_port + index), "--http-port", "0", *extra,
    ]  # fmt: skip


class Supervisor:
    def __init__(self, n: int, host: str, base_port: int, extra: Sequence[str] = (),
                 stop_timeout: float = 10.0) -> None:  # fmt: skip
        self.stop_timeout = stop_timeout  # workers drain their calls on SIGTERM
        self.argvs = [worker_argv(i, host, base_port, extra) for i in range(n)]
        self.procs: list[asyncio.subprocess.Process | None] = [None] * n
        self.restarts = [0] * n
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self.asr_service: Any = None  # the shared AsrServiceProcess, when serve started one

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._keep(i), name=f"worker-{i}") for i in range(len(self.argvs))]

    async def _keep(self, i: int) -> None:
        while not self._stopping:
            proc = await asyncio.create_subprocess_exec(*self.argvs[i])
            self.procs[i] = proc
            log.info("worker %d started (pid %d): %s", i, proc.pid, " ".join(self.argvs[i][3:]))
            rc = await proc.wait()
            if self._stopping:
                return
            delay = RESTART_DELAY_S[min(self.restarts[i], len(RESTART_DELAY_S) - 1)]
            self.restarts[i] += 1
            log.error("worker %d exited with %s; restarting in %.1f s", i, rc, delay)
            await asyncio.sleep(delay)

    async def stop(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 - a grace period, not a cancel
        timeout = self.stop_timeout if timeout is None else timeout
        self._stopping = True
        live = [p for p in self.procs if p is not None and p.returncode is None]
        for p in live:
            _signal(p, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.gather(*(p.wait() for p in live)), timeout)
        except TimeoutError:
            for p in live:
                if p.returncode is None:
                    _signal(p, signal.SIGKILL)
            await asyncio.gather(*(p.wait() for p in live), return_exceptions=True)
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def asr_status(self) -> dict[str, object] | None:
        return self.asr_service.status() if self.asr_service is not None else None

    def status(self) -> list[dict[str, object]]:
        return [
            {"port": int(a[a.index("--sip-port") + 1]), "pid": p.pid if p else None,
             "running": bool(p and p.returncode is None), "restarts": r}
            for a, p, r in zip(self.argvs, self.procs, self.restarts, strict=True)
        ]  # fmt: skip


def _signal(proc: asyncio.subprocess.Process, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)


async def exit_when_orphaned(stop: asyncio.Event, interval: float = 1.0) -> None:
    """A worker whose supervisor died (even by SIGKILL) stops instead of lingering."""
    parent = os.getppid()
    while not stop.is_set():
        await asyncio.sleep(interval)
        if os.getppid() != parent:
            log.error("supervisor %d is gone; worker stopping", parent)
            stop.set()
