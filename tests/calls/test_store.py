"""The call store on SQLite and PostgreSQL: turn-by-turn writes, callbacks, crash recovery, workers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from recordkit import record
from sqlalchemy import select

from voicebot.calls.record import CallbackRequest, Turn
from voicebot.calls.schema import calls, turns
from voicebot.calls.store import CallStore


def test_turns_are_in_the_database_while_the_call_runs(db_url):
    store = CallStore(db_url, worker="host:1")
    rec = record("c1")
    caller_turns = list(rec.turns)
    rec.turns.clear()
    store.start(rec)
    assert store.live_ids() == ["c1"]
    for turn in caller_turns[:2]:
        rec.turns.append(turn)
        store.add_turn(rec, turn)
    other = CallStore(db_url, worker="host:2")  # another worker reads the same database
    live = other.get("c1")
    assert live["live"] is True and [t["speaker"] for t in live["turns"]] == ["bot", "caller"]
    assert live["topic"] == "pas" and live["intents"] == ["pas"]
    rec.turns.extend(caller_turns[2:])
    store.finish(rec)  # writes the rest once, not the turns it already has
    done = other.get("c1")
    assert done["live"] is False and done["outcome"] == "contained"
    assert len(done["turns"]) == len(caller_turns) and done["response_gaps_ms"] == [600.0]
    assert other.live_ids() == []


def test_turn_text_is_redacted_before_it_is_stored(db_url):
    store = CallStore(db_url, worker="host:1")
    rec = record("c2")
    store.start(rec)
    turn = Turn("caller", "mit cpr-nummer er 120385-1234 og en to nul tre otte fem en to tre fire", 5.0, 9.0)
    store.add_turn(rec, turn)
    rec.handover = {"summary": "cpr 1203851234"}
    store.finish(rec)
    with store.connect() as conn:
        texts = conn.execute(select(turns.c.text)).scalars().all()
        handover = conn.execute(select(calls.c.handover)).scalar_one()
    assert any(t == "mit cpr-nummer er [CPR] og [CPR]" for t in texts)
    assert "1234" not in " ".join(texts) and "1203851234" not in handover


def test_callback_is_written_once(db_url):
    store = CallStore(db_url, worker="host:1")
    rec = record("c3", callback="+4587654321")
    store.start(rec)
    store.add_callback(rec, CallbackRequest("+4587654321", "closed_hours"))
    store.finish(rec)  # the record still carries the callback: no second row
    got = store.get("c3")["callbacks"]
    assert [(c["number"], c["reason"], c["done_at"]) for c in got] == [("+4587654321", "closed_hours", None)]


def test_a_call_left_open_by_a_dead_process_is_closed_as_error(db_url):
    code = (
        "import sys; sys.path.insert(0, 'tests/calls'); from recordkit import record;"
        "from voicebot.calls.store import CallStore;"
        f"s = CallStore({db_url!r}); r = record('dead'); s.start(r);"
        "s.add_turn(r, r.turns[0]); s.add_turn(r, r.turns[1])"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)  # exits without finish()
    store = CallStore(db_url)
    assert store.recovered == ["dead"]
    got = store.get("dead")
    assert got["outcome"] == "error" and got["end_reason"] == "crash" and got["live"] is False
    assert [t["speaker"] for t in got["turns"]] == ["bot", "caller"]


def test_live_calls_of_running_workers_stay_open(db_url):
    a = CallStore(db_url)  # this process: alive
    a.start(record("alive"))
    b = CallStore(db_url, worker=a.worker.rsplit(":", 1)[0] + ":999999999")
    assert b.recovered == [] and b.live_ids() == ["alive"]


def test_reused_call_id_replaces_the_old_call(db_url):
    store = CallStore(db_url)
    store.finish(record("same", intents=("pas",)))
    store.finish(record("same", intents=("mitid",)))
    assert store.get("same")["intents"] == ["mitid"]


def test_first_version_sqlite_file_is_migrated_not_dropped(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE calls (call_id TEXT PRIMARY KEY, dialplan TEXT NOT NULL, kommune TEXT, "
                 "started_at TEXT NOT NULL, outcome TEXT NOT NULL, record TEXT NOT NULL)")  # fmt: skip
    for i, rec in enumerate([record("old1", reason="caller_request", outcome="transferred"),
                             record("old2", rating=3, callback="+4511112222")]):  # fmt: skip
        rec.turns[1].text = "cpr 120385-1234" if i == 0 else rec.turns[1].text
        row = (rec.call_id, rec.dialplan, rec.kommune, rec.started_at, rec.outcome, rec.to_json(None))
        conn.execute("INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?)", row)
    conn.commit()
    conn.close()
    store = CallStore(f"sqlite:///{path}")
    one, two = store.get("old1"), store.get("old2")
    assert one["outcome"] == "transferred" and one["transfer"]["reason"] == "caller_request"
    assert one["turns"][1]["text"] == "cpr [CPR]"
    assert two["rating"] == 3 and two["callbacks"][0]["number"] == "+4511112222"
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"calls", "turns", "callbacks", "alembic_version"} <= tables and "calls_v0" not in tables
    assert json.dumps(store.get("old2")["turns"], ensure_ascii=False).count("pas") >= 1


def test_cursor_pages_cover_every_call_once(db_url):
    store = CallStore(db_url)
    for i in range(7):
        store.finish(record(f"p{i}", at=f"2026-11-2{i % 3}T10:0{i}:00+01:00"))
    seen, cursor = [], None
    while True:
        from voicebot.calls import queries

        with store.connect() as conn:
            page, cursor = queries.list_calls(conn, queries.CallFilter(), 3, cursor)
        seen += [c["call_id"] for c in page]
        if cursor is None:
            break
    assert sorted(seen) == [f"p{i}" for i in range(7)] and len(seen) == 7
    starts = [store.get(c)["started_at"] for c in seen]
    assert starts == sorted(starts, reverse=True)


def test_a_turn_cut_after_it_was_written_keeps_its_new_end(db_url):
    store = CallStore(db_url)
    rec = record("cut")
    store.start(rec)
    bot = rec.turns[0]
    store.add_turn(rec, bot)
    bot.end_s = 1.25  # barge-in: the recorder shortens the bot's last turn
    store.finish(rec)
    assert store.get("cut")["turns"][0]["end_s"] == 1.25
