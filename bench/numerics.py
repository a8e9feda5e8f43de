"""Does a replay give the same transcript on another CPU? Native run against the same replay under
`qemu-x86_64 -cpu Haswell` (AVX2, no AVX-512, VNNI or AMX), with the pinned kernels of
voicebot/asr/numerics.py and, for contrast, with the libraries' own choice.

    .venv/bin/python bench/numerics.py [--cases 001-pas-1 020-kontakt_adresse-2]

Needs Debian's qemu-user (`apt-get install qemu-user`). Emulation is slow (about 2 minutes per
case on 2 cores), so this is a benchmark, not a test. Writes bench/out/numerics.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
SUITE = REPO / "tests" / "calls" / "synthetic"
sys.path.insert(0, str(REPO))
from voicebot.asr.numerics import PINNED  # noqa: E402


def transcripts(case: str, *, emulate: bool, pinned: bool, tmp: Path) -> list[str]:
    out = tmp / f"{case}-{emulate}-{pinned}.json"
    env = {k: v for k, v in os.environ.items() if k not in PINNED}
    env["VOICEBOT_ASR_TIMEOUT_S"] = "1200"  # emulated decodes are slow; a stall here is not a fault
    env["VOICEBOT_ASR_KERNELS"] = "pinned" if pinned else "native"
    cmd = [sys.executable, "-m", "voicebot.cli", "replay", str(SUITE / f"{case}.wav"), "--dialplan", "odder",
           "--at", "2026-11-24T10:15:00+01:00", "--json", str(out)]
    if emulate:
        cmd = ["qemu-x86_64", "-cpu", "Haswell", *cmd]
    subprocess.run(cmd, env=env, cwd=REPO, check=True, capture_output=True, timeout=3600)
    rec = json.loads(out.read_text())
    return [t["text"] for t in rec["turns"] if t["speaker"] == "caller"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=["001-pas-1", "020-kontakt_adresse-2"])
    args = ap.parse_args()
    if not shutil.which("qemu-x86_64"):
        print("bench/numerics.py: qemu-x86_64 is missing (apt-get install qemu-user)", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for case in args.cases:
            for pinned in (True, False):
                native = transcripts(case, emulate=False, pinned=pinned, tmp=tmp)
                emulated = transcripts(case, emulate=True, pinned=pinned, tmp=tmp)
                rows.append({"case": case, "pinned": pinned, "same": native == emulated,
                             "native": native, "haswell": emulated})  # fmt: skip
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    doc = {"machine": f"{platform.machine()} {os.cpu_count()} cores", "rows": rows}
    (OUT / "numerics.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lines = ["| case | kernels | same transcript on an emulated Haswell |", "|---|---|---|"]
    for r in rows:
        kernels = "pinned AVX2" if r["pinned"] else "libraries choose"
        lines.append(f"| {r['case']} | {kernels} | {'yes' if r['same'] else 'no'} |")
    (OUT / "numerics.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0 if all(r["same"] for r in rows if r["pinned"]) else 1


if __name__ == "__main__":
    sys.exit(main())
