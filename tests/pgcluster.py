"""A throwaway PostgreSQL cluster for tests and benches: Debian's `postgresql` binaries, an
unprivileged cluster in a temporary folder, listening on loopback only, on a free port.

If it cannot start, `PgCluster.start()` raises: a run that needs it fails loudly, never skips.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: install the Debian package postgresql (make test does)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="voicebot-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.user = "voicebot"
        self._demote: tuple[int, int] | None = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as an unprivileged account
            for name in ("postgres", "nobody"):
                try:
                    pw = pwd.getpwnam(name)
                except KeyError:
                    continue
                self._demote = (pw.pw_uid, pw.pw_gid)
                break
            if self._demote is None:
                raise RuntimeError("running as root and no unprivileged account (postgres, nobody) to run PostgreSQL")
            os.chown(self.dir, *self._demote)

    def _run(self, *cmd: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        def demote() -> None:
            if self._demote is not None:
                os.setgid(self._demote[1])
                os.setuid(self._demote[0])

        return subprocess.run(
            list(cmd), capture_output=True, text=True, timeout=timeout, preexec_fn=demote, cwd=self.dir, check=False
        )

    def start(self) -> PgCluster:
        r = self._run(_bin("initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr.strip()[-500:]}")
        return self.resume()

    def resume(self) -> PgCluster:
        """Start the server (again, after `halt`) on the same port and data."""
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c max_connections=200"
        r = self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "-t", "60",
                      "start")  # fmt: skip
        if r.returncode:
            log = (self.dir / "log").read_text(errors="replace")[-800:] if (self.dir / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()[-300:]} {log}")
        return self

    def halt(self) -> None:
        """Stop the server, keeping its data (a database outage); `resume` brings it back."""
        r = self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        if r.returncode:
            raise RuntimeError(f"pg_ctl stop failed: {r.stderr.strip()[-300:]}")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{db}"

    def create_db(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                shutil.rmtree(self.dir)
                return
            except OSError:
                time.sleep(0.2)
