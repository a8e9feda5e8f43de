"""The Wyoming client on real loopback sockets: framing, timeouts, retries, the breaker, cancel.

The peers here are scripted sockets, for the failures a real server cannot be made to show on
cue (hang, drop the first connection); tests/engines/test_real_servers.py uses the real servers.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from wyoming.asr import Transcript
from wyoming.event import Event, read_event, write_event

from voicebot.asr.wyoming import WyomingRecognizer
from voicebot.engines.remote import EngineLimits
from voicebot.engines.wyoming import (
    ConnectionClosed,
    ProtocolError,
    TcpAddress,
    WyomingConnection,
    encode,
    parse_tcp_url,
)
from voicebot.errors import ConfigError, EngineError

AUDIO = (np.sin(np.arange(16000) / 5.0) * 8000).astype(np.int16)


def test_our_framing_is_the_wyoming_packages_framing() -> None:
    event = Event("audio-chunk", {"rate": 16000, "width": 2, "channels": 1}, payload=b"\x01\x02" * 50)
    back = read_event(io.BytesIO(encode(event)))
    assert back is not None and back.type == event.type and back.data == event.data and back.payload == event.payload


def test_tcp_urls() -> None:
    assert parse_tcp_url("tcp://gpu-1.kommune.dk:10300") == TcpAddress("gpu-1.kommune.dk", 10300)
    for bad in ("http://h:1", "tcp://h", "h:10300"):
        with pytest.raises(ConfigError, match="not a Wyoming address"):
            parse_tcp_url(bad)


Script = Callable[[socket.socket, int], None]  # (accepted socket, connection number)


@pytest.fixture
def peer() -> Iterator[Callable[[Script], str]]:
    """A scripted TCP peer: `start(script)` returns its tcp:// URL; each connection runs `script`."""
    listeners: list[socket.socket] = []
    stop = threading.Event()

    def start(script: Script) -> str:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        srv.settimeout(0.1)
        listeners.append(srv)

        def loop() -> None:
            n = 0
            while not stop.is_set():
                try:
                    conn, _ = srv.accept()
                except (TimeoutError, OSError):
                    continue
                n += 1
                threading.Thread(target=script, args=(conn, n), daemon=True).start()

        threading.Thread(target=loop, daemon=True).start()
        return f"tcp://127.0.0.1:{srv.getsockname()[1]}"

    yield start
    stop.set()
    for s in listeners:
        s.close()


def answer_transcripts(conn: socket.socket, n: int) -> None:
    """A minimal ASR peer: reads events; on audio-stop answers the byte count it received."""
    f = conn.makefile("rwb")
    got = 0
    while (event := read_event(f)) is not None:
        if event.type == "audio-chunk":
            got += len(event.payload or b"")
        elif event.type == "audio-stop":
            write_event(Transcript(text=f"{got} bytes", context={"confidence": 0.5}).event(), f)
            got = 0
    conn.close()


def test_a_transcript_comes_back_and_the_connection_is_reused(peer) -> None:
    asr = WyomingRecognizer(peer(answer_transcripts))
    for _ in range(3):
        res = asr.transcribe(AUDIO, prompt="pas")
        assert res.text == f"{len(AUDIO) * 2} bytes" and res.confidence == 0.5
    assert asr.remote.pool is not None and asr.remote.pool.opened == 1


def test_a_dead_port_costs_one_failure_then_the_breaker_answers(peer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    asr = WyomingRecognizer(f"tcp://127.0.0.1:{port}", limits=EngineLimits(retries=1, backoff_s=0.0))
    with pytest.raises(EngineError, match="unreachable"):
        asr.transcribe(AUDIO)
    assert asr.breaker.state == "open"
    with pytest.raises(EngineError, match="circuit open"):
        asr.transcribe(AUDIO)
    assert asr.remote.pool is not None and asr.remote.pool.opened == 0


def test_a_hung_server_costs_one_timeout(peer) -> None:
    held: list[socket.socket] = []
    url = peer(lambda conn, n: held.append(conn))  # accepts, reads nothing, never answers
    asr = WyomingRecognizer(url, limits=EngineLimits(timeout_s=0.3))
    t0 = time.monotonic()
    with pytest.raises(EngineError, match=r"no answer within 0\.3 s"):
        asr.transcribe(AUDIO)
    assert asr.breaker.state == "open" and asr.breaker.opens == 1
    with pytest.raises(EngineError, match="circuit open"):
        asr.transcribe(AUDIO)
    assert len(held) == 1, "the second request never reached the server"
    assert time.monotonic() - t0 < 5.0


def test_a_dropped_connection_is_retried_on_a_fresh_one(peer) -> None:
    def drop_first(conn: socket.socket, n: int) -> None:
        if n == 1:
            conn.recv(1 << 16)
            conn.close()  # gone before answering
        else:
            answer_transcripts(conn, n)

    asr = WyomingRecognizer(peer(drop_first), limits=EngineLimits(retries=1, backoff_s=0.0))
    assert asr.transcribe(AUDIO).text.endswith("bytes")
    assert asr.breaker.state == "closed"

    no_retry = WyomingRecognizer(peer(drop_first), limits=EngineLimits(retries=0))
    with pytest.raises(EngineError, match="unreachable"):
        no_retry.transcribe(AUDIO)


def test_cancel_while_waiting_returns_cancelled_and_drops_the_connection(peer) -> None:
    closed = threading.Event()

    def slow(conn: socket.socket, n: int) -> None:
        conn.settimeout(5.0)
        try:
            while conn.recv(1 << 16):
                pass
        except OSError:
            pass
        closed.set()  # the client hung up: a service drops the request here

    asr = WyomingRecognizer(peer(slow), limits=EngineLimits(timeout_s=5.0))
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    res = asr.transcribe(AUDIO, cancel=cancel)
    assert res.cancelled
    assert closed.wait(2.0), "the connection was not closed on cancel"
    assert asr.breaker.state == "closed", "a cancel is not a server failure"


def test_garbage_from_the_server_is_a_protocol_error() -> None:
    a, b = socket.socketpair()
    with a, b:
        conn = WyomingConnection.__new__(WyomingConnection)
        conn.address, conn._clock, conn.sock, conn._buf = TcpAddress("peer", 1), time.monotonic, a, bytearray()
        b.sendall(b"this is not json\n")
        with pytest.raises(ProtocolError):
            conn.recv(time.monotonic() + 1.0)
        b.close()
        conn._buf.clear()
        with pytest.raises(ConnectionClosed):
            conn.recv(time.monotonic() + 1.0)


def test_tts_audio_is_collected_and_resampled_and_an_error_event_is_an_engine_error(peer) -> None:
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.error import Error

    from voicebot.tts.wyoming import WyomingSynthesizer

    def speak(conn: socket.socket, n: int) -> None:
        f = conn.makefile("rwb")
        while (event := read_event(f)) is not None:
            if event.type != "synthesize":
                continue
            if "fejl" in event.data["text"]:
                write_event(Error(text="voice not found").event(), f)
                continue
            assert event.data["voice"] == {"name": "da_DK-talesyntese-medium"}
            write_event(AudioStart(rate=22050, width=2, channels=1).event(), f)
            for _ in range(2):  # one second of a tone at 22.05 kHz, in two chunks
                tone = (np.sin(np.arange(11025) / 3.0) * 9000).astype("<i2").tobytes()
                write_event(AudioChunk(rate=22050, width=2, channels=1, audio=tone).event(), f)
            write_event(AudioStop().event(), f)
        conn.close()

    tts = WyomingSynthesizer(peer(speak), "da_DK-talesyntese-medium")
    pcm = tts.synthesize("Goddag.", 8000)
    assert pcm.dtype == np.int16 and abs(len(pcm) - 8000) <= 8 and np.abs(pcm).max() > 5000
    with pytest.raises(EngineError, match="voice not found"):
        tts.synthesize("fejl", 8000)
    assert tts.breaker.state == "open"
