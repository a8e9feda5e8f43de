"""Batches concurrent utterances from many calls into one decoder: the heart of `asr-serve`.

Requests queue up; one decoder thread takes the first, waits up to `window_s` for more (at most
`max_batch`), drops those cancelled meanwhile, and decodes the rest together with the engine's
`transcribe_batch` (CTranslate2 batched encode + generate). Requests that arrive while a batch
decodes queue up and form the next batch, so under load batches grow by themselves; the window
only adds a lone request's wait, and is kept short (see bench/sip_capacity.py for the tuning).
A request cancelled after its batch started is dropped between the encoder and the decoder.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from voicebot.asr.base import CANCELLED, AsrResult

log = logging.getLogger(__name__)
MAX_BATCH_SAMPLES = 30 * 16000  # longer utterances are decoded alone, window by window


class BatchEngine(Protocol):
    def transcribe(
        self, audio: np.ndarray, *, prompt: str | None = None, cancel: threading.Event | None = None
    ) -> AsrResult: ...

    def transcribe_batch(
        self, items: list[tuple[np.ndarray, str | None]], cancels: list[threading.Event | None] | None = None
    ) -> list[AsrResult]: ...


@dataclass
class Job:
    audio: np.ndarray
    prompt: str | None
    cancel: threading.Event = field(default_factory=threading.Event)
    future: Future[AsrResult] = field(default_factory=Future)
    queued_at: float = field(default_factory=time.monotonic)


@dataclass
class BatchStats:
    """Where a request's time goes in the service: waiting for the decoder, then decoding."""

    batches: int = 0
    decoded: int = 0  # requests decoded (in a batch or alone)
    dropped: int = 0  # cancelled before their decoder step
    active: int = 0  # requests in the decoder right now
    decode_s: float = 0.0  # decoder busy time
    waits: deque[float] = field(default_factory=lambda: deque(maxlen=2000))  # queued → its batch starts
    batch_s: deque[float] = field(default_factory=lambda: deque(maxlen=2000))  # one batch's decode time

    @property
    def mean_batch(self) -> float:
        return self.decoded / self.batches if self.batches else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"batches": self.batches, "decoded": self.decoded, "dropped": self.dropped, "active": self.active,
                "mean_batch": round(self.mean_batch, 3), "decode_s": round(self.decode_s, 3),
                "wait_p50_ms": _pct_ms(self.waits, 50), "wait_p95_ms": _pct_ms(self.waits, 95),
                "batch_p50_ms": _pct_ms(self.batch_s, 50), "batch_p95_ms": _pct_ms(self.batch_s, 95)}  # fmt: skip


def _pct_ms(xs: deque[float], q: float) -> float:
    return round(float(np.percentile(list(xs), q)) * 1000.0, 1) if xs else 0.0


class BatchDecoder:
    def __init__(self, engine: BatchEngine, *, window_s: float = 0.0, max_batch: int = 8) -> None:
        self.engine = engine
        self.window_s = window_s
        self.max_batch = max_batch
        self.stats = BatchStats()
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="asr-batch", daemon=True)
        self._thread.start()

    def submit(self, audio: np.ndarray, prompt: str | None = None) -> Job:
        """Queue one utterance (16 kHz PCM16); set `job.cancel` to drop it, read `job.future`."""
        job = Job(audio, prompt)
        self._queue.put(job)
        return job

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5.0)

    # ------------------------------------------------------------------ decoder thread
    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            closing = self._collect(jobs)
            self._decode(jobs)
            if closing:
                return

    def _collect(self, jobs: list[Job]) -> bool:
        """Add what arrives within the window; True if close() was called meanwhile."""
        until = time.monotonic() + self.window_s
        while len(jobs) < self.max_batch:
            left = until - time.monotonic()
            try:
                job = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                return False
            if job is None:
                return True
            jobs.append(job)
        return False

    def _decode(self, jobs: list[Job]) -> None:
        live: list[Job] = []
        for job in jobs:
            if job.cancel.is_set():
                self._settle(job, CANCELLED)
            elif len(job.audio) > MAX_BATCH_SAMPLES:
                self._alone(job)
            else:
                live.append(job)
        if not live:
            return
        t0 = time.perf_counter()
        now = time.monotonic()
        self.stats.waits.extend(now - j.queued_at for j in live)
        self.stats.active = len(live)
        try:
            results = self.engine.transcribe_batch([(j.audio, j.prompt) for j in live], [j.cancel for j in live])
        except Exception as exc:  # noqa: BLE001 - every waiting caller gets the error
            for job in live:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        finally:
            self.stats.active = 0
            self.stats.decode_s += time.perf_counter() - t0
            self.stats.batch_s.append(time.perf_counter() - t0)
        self.stats.batches += 1
        for job, result in zip(live, results, strict=True):
            self.stats.decoded += 0 if result.cancelled else 1
            self._settle(job, result)

    def _alone(self, job: Job) -> None:
        t0 = time.perf_counter()
        self.stats.active = 1
        try:
            result = self.engine.transcribe(job.audio, prompt=job.prompt, cancel=job.cancel)
        except Exception as exc:  # noqa: BLE001
            job.future.set_exception(exc)
            return
        finally:
            self.stats.active = 0
            self.stats.decode_s += time.perf_counter() - t0
        self.stats.batches += 1
        self.stats.decoded += 1
        self._settle(job, result)

    def _settle(self, job: Job, result: AsrResult) -> None:
        if result.cancelled:
            self.stats.dropped += 1
        if not job.future.done():
            job.future.set_result(result)
