"""The shared ASR service of `serve --workers N`: one `voicebot asr-serve` child process that
holds the only Whisper model, on a fixed loopback port so that a restart keeps the workers' URL.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
from collections.abc import Sequence

from voicebot.errors import EngineError

log = logging.getLogger(__name__)
READY_PREFIX = b"voicebot: ASR service on "
START_TIMEOUT_S = 180.0  # model loading on a cold, busy machine
RESTART_DELAY_S = (0.5, 1.0, 2.0, 5.0, 10.0)


def free_tcp_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class AsrServiceProcess:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, extra: Sequence[str] = ()) -> None:
        self.host = host
        self.port = port or free_tcp_port(host)
        self.argv = [sys.executable, "-m", "voicebot.cli", "asr-serve", "--host", host, "--port", str(self.port),
                     "--exit-with-parent", *extra]  # fmt: skip
        self.proc: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._drainer: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    async def start(self) -> None:
        """Start the service and wait until it listens (the model is loaded)."""
        await self._spawn()
        self._task = asyncio.create_task(self._keep(), name="asr-service")

    async def _spawn(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(*self.argv, stdout=asyncio.subprocess.PIPE)
        assert self.proc.stdout is not None
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                while True:
                    line = await self.proc.stdout.readline()
                    if not line:
                        raise EngineError(f"asr-serve exited with {await self.proc.wait()} before it was ready")
                    if line.startswith(READY_PREFIX):
                        break
        except TimeoutError:
            self.proc.kill()
            raise EngineError(f"asr-serve not ready after {START_TIMEOUT_S:.0f} s") from None
        log.info("ASR service ready (pid %d) on %s", self.proc.pid, self.url)
        self._drainer = asyncio.create_task(self._drain(self.proc))  # keeps the pipe from filling up

    @staticmethod
    async def _drain(proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while await proc.stdout.readline():
            pass

    async def _keep(self) -> None:
        while not self._stopping:
            assert self.proc is not None
            rc = await self.proc.wait()
            if self._stopping:
                return
            delay = RESTART_DELAY_S[min(self.restarts, len(RESTART_DELAY_S) - 1)]
            self.restarts += 1
            log.error("ASR service exited with %s; restarting in %.1f s", rc, delay)
            await asyncio.sleep(delay)
            try:
                await self._spawn()
            except EngineError as exc:
                log.error("ASR service restart failed: %s", exc)

    async def stop(self, grace_s: float = 10.0) -> None:
        self._stopping = True
        proc = self.proc
        if proc is not None and proc.returncode is None:
            try:
                proc.send_signal(signal.SIGTERM)
                async with asyncio.timeout(grace_s):
                    await proc.wait()
            except ProcessLookupError:
                pass
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def status(self) -> dict[str, object]:
        running = bool(self.proc and self.proc.returncode is None)
        return {"url": self.url, "pid": self.proc.pid if self.proc else None, "running": running,
                "restarts": self.restarts}  # fmt: skip
