"""Run every benchmark in turn: `make bench` (or `python -m bench [name ...]`). Results land in bench/out/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ("replay_speed", "intents", "chat", "asr", "asr_batch", "tts", "replay", "engine_overhead", "sip_capacity")


def main(argv: list[str]) -> int:
    names = argv or [b for b in BENCHES if (HERE / f"{b}.py").is_file()]
    failed = []
    for name in names:
        print(f"== bench/{name}.py", flush=True)
        if subprocess.run([sys.executable, str(HERE / f"{name}.py")]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
