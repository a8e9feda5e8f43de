"""The Wyoming protocol on a blocking socket: what the ASR and TTS clients speak.

A Wyoming event is one JSON header line (`type`, `data`, `data_length`, `payload_length`,
`version`), then `data_length` bytes of JSON data, then `payload_length` bytes of payload (PCM).
Events are `wyoming.event.Event`s, built with the PyPI `wyoming` package's own classes; only the
socket handling is ours, so that a read can wait with a deadline *and* a cancel flag.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from wyoming.event import Event

from voicebot.errors import ConfigError

POLL_S = 0.05  # how often a read checks its cancel flag
_VERSION = "1.10.2"


class ProtocolError(Exception):
    """The peer sent something that is not a Wyoming event, or not the one expected."""


class ConnectionClosed(ConnectionError):
    """The server closed the connection."""


class Cancelled(Exception):
    """The caller set the request's cancel flag; the connection is dropped with the request."""


@dataclass(frozen=True)
class TcpAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"tcp://{self.host}:{self.port}"


def parse_tcp_url(url: str) -> TcpAddress:
    parts = urlsplit(url)
    if parts.scheme != "tcp" or not parts.hostname or not parts.port:
        raise ConfigError(f"{url!r} is not a Wyoming address like tcp://host:10300")
    return TcpAddress(parts.hostname, parts.port)


def encode(event: Event) -> bytes:
    header: dict[str, object] = {"type": event.type, "version": _VERSION}
    data = json.dumps(event.data, ensure_ascii=False).encode() if event.data else b""
    if data:
        header["data_length"] = len(data)
    if event.payload:
        header["payload_length"] = len(event.payload)
    return json.dumps(header, ensure_ascii=False).encode() + b"\n" + data + (event.payload or b"")


class WyomingConnection:
    """One TCP connection to a Wyoming server. Not thread-safe: one request at a time (the pool
    hands it to one thread)."""

    def __init__(self, address: TcpAddress, connect_timeout_s: float, clock: Callable[[], float] = time.monotonic):
        self.address = address
        self._clock = clock
        self.sock = socket.create_connection((address.host, address.port), timeout=connect_timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = bytearray()

    def send(self, events: list[Event], deadline: float) -> None:
        self.sock.settimeout(max(0.001, deadline - self._clock()))
        self.sock.sendall(b"".join(encode(e) for e in events))

    def recv(self, deadline: float, cancel: threading.Event | None = None) -> Event:
        """The next event; `TimeoutError` past the deadline, `Cancelled` once `cancel` is set."""
        while True:
            event = self._parse()
            if event is not None:
                return event
            self._fill(deadline, cancel)

    def reusable(self) -> bool:
        """Idle and still open: nothing waiting to be read (a closed socket reads as readable)."""
        if self._buf:
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    # ------------------------------------------------------------------ internals
    def _fill(self, deadline: float, cancel: threading.Event | None) -> None:
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            left = deadline - self._clock()
            if left <= 0:
                raise TimeoutError(f"no answer from {self.address} in time")
            readable, _, _ = select.select([self.sock], [], [], min(left, POLL_S) if cancel else left)
            if readable:
                break
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed(f"{self.address} closed the connection")
        self._buf += chunk

    def _parse(self) -> Event | None:
        nl = self._buf.find(b"\n")
        if nl < 0:
            if len(self._buf) > 1 << 20:
                raise ProtocolError("header line longer than 1 MiB")
            return None
        try:
            header = json.loads(self._buf[:nl])
            kind = header["type"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtocolError(f"not a Wyoming event header: {exc}") from exc
        n_data = int(header.get("data_length") or 0)
        n_payload = int(header.get("payload_length") or 0)
        end = nl + 1 + n_data + n_payload
        if len(self._buf) < end:
            return None
        data = dict(header.get("data") or {})
        if n_data:
            try:
                data.update(json.loads(self._buf[nl + 1 : nl + 1 + n_data]))
            except ValueError as exc:
                raise ProtocolError(f"bad event data: {exc}") from exc
        payload = bytes(self._buf[nl + 1 + n_data : end]) if n_payload else None
        del self._buf[:end]
        return Event(type=kind, data=data, payload=payload)
