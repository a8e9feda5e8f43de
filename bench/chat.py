"""Chat benchmark: one answer policy on every channel, measured.

- parity: the 30 questions × 3 kommuner of tests/api/test_chat_parity.py, chat vs the phone's dialog
  (share identical; must be 1.0);
- sessions: the two-turn table of tests/api/test_chat_sessions.py (confident-wrong count; must be 0);
- latency: one chat turn (`ChatSession.ask`: classify + dialog), p50/p95 over every question,
  bounded to 3 rounds.
Writes bench/out/chat.json and bench/out/chat.md.

    .venv/bin/python bench/chat.py
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.api.chatkit import OPEN, Phone  # noqa: E402
from tests.api.test_chat_parity import KOMMUNER, QUESTIONS  # noqa: E402
from tests.api.test_chat_sessions import SESSIONS  # noqa: E402
from voicebot.chat.session import ChatSession, plan_for  # noqa: E402
from voicebot.gateway import build_services  # noqa: E402
from voicebot.intent.base import POINTER, TOPIC_INTENTS  # noqa: E402

OUT = REPO / "bench" / "out"
ROUNDS = 3


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> int:
    services = build_services()
    engine = services.intent_engine
    same = total = 0
    times: list[float] = []
    for _ in range(ROUNDS):
        for kommune in KOMMUNER:
            plan = plan_for(services.dialplans, kommune)
            for q in QUESTIONS:
                chat = ChatSession(plan, engine, "bench", started_at=OPEN)
                t0 = time.perf_counter()
                answer = chat.ask(q).answer
                times.append((time.perf_counter() - t0) * 1000)
                same += answer == Phone(plan, engine, OPEN).say(q)
                total += 1
    wrong = 0
    for kommune, first, second, want in SESSIONS:
        chat = ChatSession(plan_for(services.dialplans, kommune), engine, "bench", started_at=OPEN)
        chat.ask(first)
        acted = [a for a in chat.ask(second).acted if a in (*TOPIC_INTENTS, POINTER, "medarbejder")]
        wrong += bool(acted) and acted != [want]
    out = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "parity_share": same / total, "parity_pairs": total,
        "sessions": len(SESSIONS), "sessions_confident_wrong": wrong,
        "turn_ms_p50": round(_pct(times, 0.5), 2), "turn_ms_p95": round(_pct(times, 0.95), 2), "turns": len(times),
    }  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "chat.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    md = "| figure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in out.items())
    (OUT / "chat.md").write_text(md, encoding="utf-8")
    print(md)
    return 0 if out["parity_share"] == 1.0 and wrong == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
