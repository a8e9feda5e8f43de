"""Operators' console at scale: 1,000,000 synthetic calls over 12 months and 30 kommuner.

Reports p50/p95 of the real API (in-process ASGI client, viewer token) on SQLite and PostgreSQL:
`/api/kpis` for one kommune and one month and for all kommuner and a year, the call list's first
page, and one call. Targets on SQLite on the 2-core machine: a month <= 150 ms p95, a year <= 1 s,
list and call <= 30 ms.

    python bench/operator.py [--calls 1000000] [--backends sqlite,postgresql] [--repeat 20]

Writes bench/out/operator.json and bench/out/operator.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from voicebot.api.app import create_app  # noqa: E402
from voicebot.calls.rows import local_fields  # noqa: E402
from voicebot.calls.schema import call_intents, callbacks, calls, gaps, turns  # noqa: E402
from voicebot.calls.store import CallStore  # noqa: E402
from voicebot.config import Settings  # noqa: E402
from voicebot.dialog.registry import DialplanRegistry  # noqa: E402
from voicebot.gateway import Services  # noqa: E402
from voicebot.intent.base import TOPIC_INTENTS  # noqa: E402

KOMMUNER = [f"Kommune {i:02d}" for i in range(1, 31)]
START = datetime(2025, 12, 1)
OUTCOMES = ["contained"] * 55 + ["transferred"] * 30 + ["abandoned"] * 13 + ["error"] * 2
REASONS = ["caller_request", "low_confidence", "no_match_limit", "closed_hours", "intent_rule"]
TOKEN = "bench-viewer-token"
CHUNK = 20_000


def fill(store: CallStore, n: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    span = 365 * 86400
    batch: dict[str, list[dict]] = {"calls": [], "turns": [], "call_intents": [], "gaps": [], "callbacks": []}
    tables = {"calls": calls, "turns": turns, "call_intents": call_intents, "gaps": gaps, "callbacks": callbacks}

    def flush() -> None:
        with store.engine.begin() as conn:
            for name in ("calls", "turns", "call_intents", "gaps", "callbacks"):
                if batch[name]:
                    conn.execute(insert(tables[name]), batch[name])
                    batch[name].clear()

    for i in range(n):
        started = START + timedelta(seconds=rng.randrange(span))
        local = local_fields(started)
        kommune = KOMMUNER[rng.randrange(30)]
        outcome = OUTCOMES[rng.randrange(100)]
        topics = rng.sample(TOPIC_INTENTS, rng.choice((1, 1, 2)))
        cid = f"b{i:07d}"
        batch["calls"].append({
            "call_id": cid, "dialplan": kommune.lower().replace(" ", ""), "kommune": kommune, "channel": "sip",
            "caller": f"+45{rng.randrange(20000000, 99999999)}", "called": "+4587000000", "started_at": started,
            **local, "ended_at": started + timedelta(seconds=rng.randrange(20, 300)), "live": False,
            "worker": "bench:1", "outcome": outcome, "end_reason": "caller_hangup", "topic": topics[0],
            "transfer_target": "sip:agent@pbx" if outcome == "transferred" else None,
            "transfer_reason": REASONS[rng.randrange(5)] if outcome == "transferred" else None,
            "transfer_via": "refer" if outcome == "transferred" else None, "after_hours": rng.random() < 0.3,
            "rating": rng.choice((1, 2, 3, 3)) if rng.random() < 0.4 else None, "error": None, "answered": "",
            "handover": None, "extra": None,
        })  # fmt: skip
        for seq, speaker in enumerate(("bot", "caller", "bot")):
            batch["turns"].append({"call_id": cid, "seq": seq, "speaker": speaker, "text": "Hvad koster et nyt pas?",
                                   "start_s": seq * 4.0, "end_s": seq * 4.0 + 3, "intent": topics[0] if seq == 1
                                   else None, "confidence": 0.8 if seq == 1 else None, "at": started})  # fmt: skip
        for t in topics:
            batch["call_intents"].append({"call_id": cid, "intent": t, "kommune": kommune, "started_at": started,
                                          "day": local["day"]})  # fmt: skip
        for seq in range(rng.choice((1, 2, 2, 3))):
            batch["gaps"].append({"call_id": cid, "seq": seq, "ms": int(rng.lognormvariate(6.5, 0.35)),
                                  "kommune": kommune, "started_at": started, "day": local["day"]})  # fmt: skip
        if rng.random() < 0.03:
            done = started + timedelta(hours=20) if rng.random() < 0.7 else None
            batch["callbacks"].append({"call_id": cid, "kommune": kommune, "number": "+4520304050",
                                       "reason": "closed_hours", "created_at": started, "done_at": done})  # fmt: skip
        if len(batch["calls"]) >= CHUNK:
            flush()
    flush()
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - t0


def timed(client: TestClient, url: str, repeat: int) -> dict[str, float]:
    t = time.perf_counter()
    client.get(url)  # the first request fills the day caches: reported as cold_ms
    cold = (time.perf_counter() - t) * 1000
    xs = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.get(url)
        xs.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
    return {"p50_ms": round(float(np.percentile(xs, 50)), 1), "p95_ms": round(float(np.percentile(xs, 95)), 1),
            "cold_ms": round(cold, 1), "n": repeat}  # fmt: skip


def run_backend(url: str, n: int, repeat: int) -> dict:
    store = CallStore(url)
    fill_s = fill(store, n)
    settings = Settings(api_tokens=f"{TOKEN}:viewer", secret="bench", database_url=url)
    services = Services(settings=settings, dialplans=DialplanRegistry(), intent_engine=None, calls=store)  # type: ignore[arg-type]
    client = TestClient(create_app(services), headers={"Authorization": f"Bearer {TOKEN}"})
    one = client.get("/api/calls", params={"limit": 1}).json()["calls"][0]["call_id"]
    out = {
        "fill_s": round(fill_s, 1),
        "kpis_month_one_kommune": timed(client, "/api/kpis?from=2026-03-01&to=2026-03-31&kommune=Kommune%2007", repeat),
        "kpis_year_all": timed(client, "/api/kpis?from=2025-12-01&to=2026-11-30", max(5, repeat // 4)),
        "call_list_first_page": timed(client, "/api/calls?limit=50", repeat),
        "call_list_filtered": timed(client, "/api/calls?limit=50&kommune=Kommune%2012&outcome=transferred", repeat),
        "one_call": timed(client, f"/api/calls/{one}", repeat),
    }
    store.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    results: dict = {"machine": f"{platform.machine()} {os.cpu_count()} cores (shared)", "calls": args.calls}
    with tempfile.TemporaryDirectory(prefix="voicebot-bench-") as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                results["sqlite"] = run_backend(f"sqlite:///{tmp}/calls.db", args.calls, args.repeat)
            elif backend == "postgresql":
                from pgcluster import PgCluster

                pg = PgCluster().start()
                try:
                    results["postgresql"] = run_backend(pg.create_db("bench"), args.calls, args.repeat)
                finally:
                    pg.stop()
            print(json.dumps({backend: results[backend]}), flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "operator.json").write_text(json.dumps(results, indent=2))
    rows = ["kpis_month_one_kommune", "kpis_year_all", "call_list_first_page", "call_list_filtered", "one_call"]
    targets = {"kpis_month_one_kommune": 150, "kpis_year_all": 1000, "call_list_first_page": 30, "one_call": 30}
    backends = [b for b in ("sqlite", "postgresql") if b in results]
    lines = [f"# Operators' console, {args.calls:,} calls, {results['machine']}", "",
             "| query | target p95 | " + " | ".join(f"{b} p50 / p95 (first) ms" for b in backends) + " |",
             "|---|---|" + "---|" * len(backends)]  # fmt: skip
    for r in rows:
        cells = [f"{results[b][r]['p50_ms']} / {results[b][r]['p95_ms']} ({results[b][r]['cold_ms']})"
                 for b in backends]
        lines.append(f"| {r} | {targets.get(r, '-')} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("fill time: " + ", ".join(f"{b} {results[b]['fill_s']} s" for b in backends))
    (out / "operator.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
