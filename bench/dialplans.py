"""Dialplan benchmark: validating the shipped files, a no-change hot-reload poll, and dialog turns/s
(pure state machine, fake intent engine). Writes bench/out/dialplans.json and bench/out/dialplans.md.

    .venv/bin/python bench/dialplans.py
"""

from __future__ import annotations

import json
import platform
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from voicebot.dialog.machine import Dialog  # noqa: E402
from voicebot.dialog.registry import DialplanRegistry  # noqa: E402
from voicebot.dialog.validate import check_file  # noqa: E402
from voicebot.frames import CallStarted, PlaybackDone, Say, Transcript  # noqa: E402
from voicebot.intent.base import IntentResult  # noqa: E402

OUT = REPO / "bench" / "out"
DIALPLANS = REPO / "dialplans"


PAS = IntentResult("pas", 0.9, answer="Svar om pas.")  # the dialog gets turns already understood
JA = IntentResult("ja", 0.9)


def per_call(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def main() -> int:
    files = sorted(DIALPLANS.glob("*.yaml"))
    validate_ms = {f.stem: 1000 * per_call(lambda f=f: check_file(f), 50) for f in files}
    reg = DialplanRegistry.from_dir(DIALPLANS)
    poll_ms = 1000 * per_call(reg.reload, 200)
    plan = reg.get("odder")
    at = datetime(2026, 3, 10, 10, tzinfo=ZoneInfo("Europe/Copenhagen"))
    turns = 0
    t0 = time.perf_counter()
    for _ in range(500):
        d = Dialog(plan, None, "b", started_at=at)
        t = 0.0
        for a in d.on(CallStarted(0.0, "b"), 0.0):
            d.on(PlaybackDone(1.0, a.say_id), 1.0)
        for _ in range(10):
            t += 1.0
            for a in d.on(Transcript("pas", 0.9, t - 1, t, t, intent=PAS), t):
                if isinstance(a, Say):
                    d.on(PlaybackDone(t, a.say_id), t)
            turns += 1
            t += 1.0
            for a in d.on(Transcript("ja", 0.9, t - 1, t, t, intent=JA), t):
                if isinstance(a, Say):
                    d.on(PlaybackDone(t, a.say_id), t)
            turns += 1
    turns_per_s = turns / (time.perf_counter() - t0)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}",
        "validate_ms_per_file": {k: round(v, 2) for k, v in validate_ms.items()},
        "reload_poll_no_change_ms": round(poll_ms, 3),
        "dialog_turns_per_s": round(turns_per_s),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dialplans.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    rows = [f"| validate {k}.yaml | {v:.2f} ms |" for k, v in validate_ms.items()]
    rows += [f"| reload poll, nothing changed ({len(files)} files) | {poll_ms:.3f} ms |",
             f"| dialog turns per second (fake intent engine) | {turns_per_s:,.0f} |"]  # fmt: skip
    md = "# Dialplans\n\n| what | figure |\n|---|---|\n" + "\n".join(rows) + "\n"
    (OUT / "dialplans.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
