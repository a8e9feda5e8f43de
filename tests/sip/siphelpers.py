"""Helpers for the SIP tests: a real `voicebot serve` on loopback, sipp runners, pcaps.

Every child process is started in its own process group and killed in a finalizer; ports are
random free high ports; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rtpcap import call_stream, write_pcap

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
NUMBER = "4512345678"


def free_port() -> int:
    """A port free for both UDP and TCP (SIP listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
            if port < 60000:
                return port
    raise RuntimeError("no free port")


def consecutive_free_ports(n: int) -> int:
    """The first of `n` consecutive ports that are free now (serve --workers N uses such a run)."""
    for _ in range(50):
        first = free_port()
        socks = []
        try:
            for i in range(n):
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(u)
                u.bind(("127.0.0.1", first + i))
            return first
        except OSError:
            continue
        finally:
            for u in socks:
                u.close()
    raise RuntimeError("no run of free ports")


def dialplan_yaml(agent_port: int) -> str:
    return f"""schema: 1
kommune: Testkommune
numbers: ["+{NUMBER}"]
greeting: "Goddag, du har ringet til Testkommune. Jeg er en automatisk assistent. Hvad kan jeg hjælpe dig med?"
transfer:
  queues: {{default: "sip:agent@127.0.0.1:{agent_port}"}}
reprompts: {{no_input_timeout_s: 3, max_no_input: 1}}
"""


def kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


READER_TOKEN = "sip-test-reader"  # a viewer token: /api/calls and /api/sip/status need one
API_HEADERS = {"Authorization": f"Bearer {READER_TOKEN}"}


@dataclass
class Gateway:
    proc: subprocess.Popen
    sip_port: int
    http_port: int
    agent_port: int
    call_log: Path
    log_path: Path

    def status(self) -> dict:
        req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}/api/sip/status", headers=API_HEADERS)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return json.loads(r.read())
        except urllib.error.URLError as exc:  # say why: a gateway that died leaves its reason in its log
            tail = self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""
            why = f"gateway unreachable ({exc}); exit code {self.proc.poll()}; log tail:\n{tail}"
            raise AssertionError(why) from exc

    def get(self, path: str) -> dict | None:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", headers=API_HEADERS)
            with urllib.request.urlopen(req, timeout=5) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError:
            return None

    def wait_idle(self, timeout: float = 20.0) -> dict:
        """Wait until no call is left behind: no SIP leg, no session, no call object."""
        deadline = time.monotonic() + timeout
        st: dict = {}
        while time.monotonic() < deadline:
            st = self.status()["sip"]
            if st["active_calls"] == 0 and st["sip_legs"] == 0 and st["sessions_running"] == 0:
                return st
            time.sleep(0.2)
        raise AssertionError(f"calls left behind: {st}")

    def records(self) -> list[dict]:
        if not self.call_log.exists():
            return []
        return [json.loads(line) for line in self.call_log.read_text().splitlines() if line.strip()]

    def wait_records(self, n: int, timeout: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            recs = self.records()
            if len(recs) >= n:
                return recs
            time.sleep(0.2)
        raise AssertionError(f"expected {n} call records, got {len(self.records())}")


def start_serve(tmp: Path, args: list[str], ready: str, timeout: float = 90.0,
                env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "VOICEBOT_DATABASE_URL": f"sqlite:///{tmp / 'calls.db'}", "PYTHONUNBUFFERED": "1",
           "VOICEBOT_API_TOKENS": f"{READER_TOKEN}:viewer", **(env or {})}  # fmt: skip
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicebot.cli", "serve", *args],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=tmp,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = (tmp / "serve.log").read_text(errors="replace")
        if text.count(ready) >= 1 and "HTTP API on" in text:
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"voicebot serve exited:\n{text[-3000:]}")
        time.sleep(0.2)
    kill_group(proc)
    raise RuntimeError("voicebot serve did not become ready")


def call_pcap(path: Path, pcm_parts: list[tuple[float, np.ndarray]], dtmf: list[tuple[float, str]] | None = None,
              total_s: float | None = None) -> Path:
    """One pcap per call: speech placed at the given times, plus RFC 4733 DTMF events."""
    end = max([s + len(p) / 8000 for s, p in pcm_parts] + [d[0] + 0.3 for d in dtmf or []] + [0.5])
    pcm = np.zeros(int((total_s or end + 0.5) * 8000), np.int16)
    for start, p in pcm_parts:
        i = int(start * 8000)
        pcm[i : i + len(p)] = p[: len(pcm) - i]
    return write_pcap(path, call_stream(pcm, dtmf))


def scenario(tmp: Path, name: str, **subs: object) -> Path:
    text = (SCENARIOS / name).read_text()
    for k, v in subs.items():
        text = text.replace(f"@{k.upper()}@", str(v))
    out = tmp / name
    out.write_text(text)
    return out


def run_sipp(scenario_path: Path, target: str, *, calls: int = 1, limit: int = 1, rate: float | None = None,
             service: str = NUMBER, timeout: float = 60.0, extra: list[str] | None = None,
             background: bool = False) -> subprocess.CompletedProcess | subprocess.Popen:
    port, mport = free_port(), free_port()
    cmd = ["sipp", target, "-sf", str(scenario_path), "-s", service, "-i", "127.0.0.1", "-p", str(port),
           "-mp", str(mport), "-m", str(calls), "-l", str(limit), "-nostdin", "-timeout", f"{int(timeout)}s",
           "-timeout_error", "-trace_err", "-error_file", str(scenario_path.with_suffix(".err")),
           "-trace_msg", "-message_file", str(scenario_path.with_suffix(".msg")), *(extra or [])]
    if rate:
        cmd += ["-r", str(rate)]
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                                cwd=scenario_path.parent)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            cwd=scenario_path.parent)
    try:
        _, err = proc.communicate(timeout=timeout + 15)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise
    finally:
        kill_group(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, b"", err)


def sipp_log(scenario_path: Path) -> str:
    files = (scenario_path.with_suffix(".msg"), scenario_path.with_suffix(".err"))
    parts = [p.read_text(errors="replace") for p in files if p.exists()]
    return "\n".join(parts)[-6000:]
