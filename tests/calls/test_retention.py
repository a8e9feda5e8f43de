"""Retention per dialplan and erasure by caller number, through the store and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from types import SimpleNamespace

from recordkit import record

from voicebot.calls.retention import apply_retention, erase_caller, number_digits
from voicebot.calls.store import CallStore

NOW = datetime(2026, 12, 2, 12, 0)


def plan(name: str, days: int | None) -> SimpleNamespace:
    return SimpleNamespace(name=name, retention_days=days)


def test_retention_deletes_old_calls_of_plans_with_a_limit(db_url, tmp_path):
    store = CallStore(db_url)
    store.finish(record("old", "Odder", "2026-08-01T10:00:00+02:00"))
    store.finish(record("new", "Odder", "2026-11-30T10:00:00+01:00"))
    store.finish(record("open-cb", "Odder", "2026-08-01T11:00:00+02:00", callback="+4520304050"))
    store.finish(record("kept", "Aarhus", "2025-01-01T10:00:00+01:00"))
    rec_dir = tmp_path / "rec" / "odder"
    rec_dir.mkdir(parents=True)
    (rec_dir / "20260801T100000-old.wav").write_bytes(b"x")
    (rec_dir / "20261130T100000-new.wav").write_bytes(b"x")
    done = apply_retention(store, [plan("odder", 30), plan("aarhus", None)], tmp_path / "rec", NOW)
    assert done.calls == 1 and done.recordings == 1
    assert store.get("old") is None and store.get("new") and store.get("kept") and store.get("open-cb")
    assert sorted(p.name for p in rec_dir.iterdir()) == ["20261130T100000-new.wav"]


def test_erase_by_caller_number(db_url, tmp_path):
    store = CallStore(db_url)
    store.finish(record("mine1", caller="+4520304050"))
    store.finish(record("mine2", caller="sip:004520304050@10.0.0.1", callback="+45 20 30 40 50"))
    store.finish(record("other", caller="+4520304051"))
    done = erase_caller(store, "+45 20 30 40 50", None)
    assert done.calls == 2
    assert store.get("mine1") is None and store.get("mine2") is None and store.get("other") is not None
    with store.connect() as conn:
        from voicebot.calls import queries

        assert queries.callback_queue(conn, include_done=True) == []


def test_number_digits():
    assert {number_digits(n) for n in ("+4520304050", "004520304050", "20 30 40 50", "sip:+4520304050@h")} == {
        "20304050"
    }


def test_cli_upgrade_retention_and_erase(tmp_path):
    db = tmp_path / "cli.db"
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "odder.yaml").write_text("schema: 1\nkommune: Odder\nretention_days: 30\n", encoding="utf-8")
    env = {**os.environ, "VOICEBOT_DATABASE_URL": f"sqlite:///{db}", "VOICEBOT_DIALPLANS": str(plans)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "voicebot.cli", *a], env=env, capture_output=True,  # noqa: E731
                                    text=True, timeout=120)  # fmt: skip
    up = run("db", "upgrade")
    assert up.returncode == 0 and json.loads(up.stdout)["revision"] == "0001"
    store = CallStore(f"sqlite:///{db}")
    store.finish(record("old", "Odder", "2020-01-01T10:00:00+01:00", caller="+4511112222"))
    store.finish(record("fresh", "Odder", datetime.now().astimezone().isoformat(timespec="seconds"),
                        caller="+4511112222"))  # fmt: skip
    r = run("retention", "apply")
    assert r.returncode == 0 and json.loads(r.stdout)["per_dialplan"] == {"odder": 1}
    r = run("calls", "erase", "--caller", "+45 11 11 22 22")
    assert r.returncode == 0 and json.loads(r.stdout)["calls"] == 1
    assert store.live_ids() == [] and store.get("fresh") is None
    assert run("calls", "erase", "--caller", "123").returncode == 2


async def test_serve_runs_retention_in_the_background(tmp_path):
    import asyncio

    from voicebot.commands.serve import _retention_daily

    store = CallStore(f"sqlite:///{tmp_path / 'r.db'}")
    store.finish(record("ancient", "Odder", "2020-01-01T10:00:00+01:00"))
    services = SimpleNamespace(
        calls=store, settings=SimpleNamespace(record_dir=None),
        dialplans=SimpleNamespace(names=lambda: ["odder"], get=lambda n: plan(n, 30)),
    )  # fmt: skip
    task = asyncio.create_task(_retention_daily(services, first_after_s=0.0, every_s=3600.0))
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            if store.get("ancient") is None:
                break
    finally:
        task.cancel()
    assert store.get("ancient") is None


def test_retention_drops_the_cached_partials_of_the_days_it_empties(db_url):
    from datetime import date

    from voicebot.calls.kpi import Period, kpis
    from voicebot.calls.kpi_cache import period_kpis

    store = CallStore(db_url)
    store.finish(record("old", "Odder", "2026-08-01T10:00:00+02:00"))
    store.finish(record("new", "Odder", "2026-11-02T10:00:00+01:00"))
    today = date(2026, 12, 2)
    assert period_kpis(store, Period(kommune="Odder"), today)["calls"] == 2  # both days cached now
    apply_retention(store, [plan("odder", 60)], None, NOW)
    with store.connect() as conn:
        direct = kpis(conn, Period(kommune="Odder"))
    assert direct["calls"] == 1 and period_kpis(store, Period(kommune="Odder"), today) == direct
