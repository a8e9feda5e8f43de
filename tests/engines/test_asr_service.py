"""`asr-serve`: batching, cancellation, and the Wyoming service around the real Whisper base."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from engine_servers import free_port
from speechkit import espeak_pcm
from wyoming.event import Event

from voicebot.asr.base import AsrResult
from voicebot.asr.batching import BatchDecoder
from voicebot.asr.factory import create_recognizer
from voicebot.asr.service import STATS_EVENT, serve_asr
from voicebot.asr.wyoming import WyomingRecognizer
from voicebot.config import Settings
from voicebot.engines.wyoming import WyomingConnection


class ScriptedEngine:
    """Pure batching logic: records the batches it gets; the first one waits for `release`."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.started = threading.Event()

    def transcribe(self, audio, *, prompt=None, cancel=None):  # type: ignore[no-untyped-def]
        return self.transcribe_batch([(audio, prompt)], [cancel])[0]

    def transcribe_batch(self, items, cancels=None):  # type: ignore[no-untyped-def]
        self.batches.append([len(a) for a, _ in items])
        self.started.set()
        self.release.wait(timeout=5)
        return [AsrResult(f"{len(a)}", 1.0) for a, _ in items]


def test_requests_within_the_window_share_a_batch_and_a_cancelled_one_is_dropped() -> None:
    engine = ScriptedEngine()
    dec = BatchDecoder(engine, window_s=0.05, max_batch=8)
    try:
        first = dec.submit(np.zeros(100, np.int16))
        assert engine.started.wait(2)
        # While batch 1 decodes, three more queue up; one of them is cancelled before its turn.
        jobs = [dec.submit(np.zeros(n, np.int16)) for n in (200, 300, 400)]
        jobs[1].cancel.set()
        engine.release.set()
        results = [j.future.result(timeout=5) for j in (first, *jobs)]
    finally:
        dec.close()
    assert engine.batches == [[100], [200, 400]]
    assert [r.text for r in results] == ["100", "200", "", "400"] and results[2].cancelled
    assert dec.stats.batches == 2 and dec.stats.decoded == 3 and dec.stats.dropped == 1
    assert dec.stats.mean_batch == pytest.approx(1.5)
    assert len(dec.stats.waits) == 3 and len(dec.stats.batch_s) == 2  # the time profile: wait, then decode
    assert dec.stats.as_dict()["wait_p95_ms"] > 0


def test_max_batch_bounds_a_batch() -> None:
    engine = ScriptedEngine()
    engine.release.set()
    dec = BatchDecoder(engine, window_s=0.2, max_batch=2)
    try:
        jobs = [dec.submit(np.zeros(10 * (i + 1), np.int16)) for i in range(5)]
        for j in jobs:
            j.future.result(timeout=5)
    finally:
        dec.close()
    assert all(len(b) <= 2 for b in engine.batches) and sum(map(len, engine.batches)) == 5


@pytest.fixture(scope="module")
def whisper():  # type: ignore[no-untyped-def]
    return create_recognizer(Settings(), "whisper")


HTTP: dict[str, object] = {}  # the service's OpenAI-compatible URL, once it runs


@pytest.fixture(scope="module")
def service(whisper) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """`serve_asr` with the real Whisper base, in a thread with its own event loop."""
    port, http_port = free_port(), free_port()
    box: dict[str, object] = HTTP
    up = threading.Event()

    def run() -> None:
        async def main() -> None:
            stop = asyncio.Event()
            box["stop"], box["loop"] = stop, asyncio.get_running_loop()
            await serve_asr(
                whisper, "127.0.0.1", port, model_name="whisper-base", window_s=0.02, max_batch=8,
                ready=lambda p: up.set(), stop=stop, http_port=http_port,
            )  # fmt: skip

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert up.wait(60), "asr service did not start"
    box["http"] = f"http://127.0.0.1:{http_port}/v1"
    yield f"tcp://127.0.0.1:{port}"  # tests read the batching figures over the wire (voicebot-stats)
    loop, stop = box["loop"], box["stop"]
    loop.call_soon_threadsafe(stop.set)  # type: ignore[attr-defined]
    thread.join(timeout=10)


def stats(url: str) -> dict[str, float]:
    from voicebot.engines.wyoming import parse_tcp_url

    conn = WyomingConnection(parse_tcp_url(url), 1.0)
    try:
        conn.send([Event(STATS_EVENT)], time.monotonic() + 2)
        return dict(conn.recv(time.monotonic() + 2).data)
    finally:
        conn.close()


@pytest.mark.slow  # the real Whisper base
def test_describe_answers_info(service) -> None:  # type: ignore[no-untyped-def]
    info = WyomingRecognizer(service).describe()
    assert info["asr"][0]["name"] == "voicebot-asr"
    assert info["asr"][0]["models"][0]["name"] == "whisper-base" and "da" in info["asr"][0]["models"][0]["languages"]


@pytest.mark.slow  # the real Whisper base
def test_the_service_transcribes_as_the_in_process_engine_does(service, whisper) -> None:  # type: ignore[no-untyped-def]
    pcm = espeak_pcm("Hvad koster et nyt pas?", 16000, wpm=130)
    local = whisper.transcribe(pcm, prompt="pas kørekort")
    remote = WyomingRecognizer(service).transcribe(pcm, prompt="pas kørekort")
    assert remote.text == local.text and remote.text
    assert remote.confidence == pytest.approx(local.confidence, abs=1e-3)


@pytest.mark.slow  # the real Whisper base
def test_concurrent_calls_are_decoded_in_batches(service) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    texts = ["Hvad koster et nyt pas?", "Jeg skal flytte.", "Hvornår har I åbent?", "Jeg vil tale med en medarbejder."]
    pcms = [espeak_pcm(t, 16000, wpm=140) for t in texts]
    before = stats(service)
    asr = WyomingRecognizer(service)
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(lambda p: asr.transcribe(p), pcms * 2))
    after = stats(service)
    assert all(r.text for r in results)
    assert [r.text for r in results[:4]] == [r.text for r in results[4:]], "the same audio, the same words"
    n_batches = after["batches"] - before["batches"]
    assert after["decoded"] - before["decoded"] == 8 and n_batches < 8, (before, after)


@pytest.mark.slow  # the real Whisper base
def test_a_request_dropped_by_its_caller_is_dropped_from_the_batch(service) -> None:  # type: ignore[no-untyped-def]
    url = service
    long_turn = np.tile(espeak_pcm("Jeg vil gerne høre om pas og kørekort og flytning.", 16000), 6)[: 16000 * 28]
    busy = threading.Thread(target=lambda: WyomingRecognizer(url).transcribe(long_turn))
    before = stats(url)
    busy.start()
    deadline = time.monotonic() + 20
    while stats(url)["active"] == 0 and time.monotonic() < deadline:  # until the long turn holds the decoder
        time.sleep(0.02)
    assert stats(url)["active"] == 1, "the long turn never reached the decoder"
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    res = WyomingRecognizer(url).transcribe(espeak_pcm("Ja tak.", 16000), cancel=cancel)
    busy.join(timeout=30)
    assert res.cancelled
    deadline = time.monotonic() + 10
    while stats(url)["dropped"] == before["dropped"] and time.monotonic() < deadline:
        time.sleep(0.1)
    after = stats(url)
    assert after["dropped"] == before["dropped"] + 1, (before, after)
    assert after["decoded"] == before["decoded"] + 1, "only the long turn was decoded"


@pytest.mark.slow  # the real Whisper base
def test_the_openai_face_of_the_service_answers_the_openai_client(service, whisper) -> None:  # type: ignore[no-untyped-def]
    from voicebot.asr.openai_api import OpenAIRecognizer

    pcm = espeak_pcm("Hvad koster et nyt pas?", 16000, wpm=130)
    local = whisper.transcribe(pcm, prompt="pas kørekort")
    before = stats(service)
    asr = OpenAIRecognizer(str(HTTP["http"]), model="whisper-base")
    remote = asr.transcribe(pcm, prompt="pas kørekort")
    asr.close()
    assert remote.text == local.text and remote.text
    assert stats(service)["decoded"] == before["decoded"] + 1, "the same batched decoder answered"
