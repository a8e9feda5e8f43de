"""The disk spool: call records queued while the database is unavailable, written when it returns.

The store is the real one (SQLite and PostgreSQL); `Outage` only makes its writes raise what a
database that is down raises, so each step of an outage can be placed exactly. The whole path with
PostgreSQL really stopped during a SIP call is tests/sip/test_db_outage.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from recordkit import record
from sqlalchemy.exc import OperationalError

from voicebot.calls.record import CallRecord, Turn
from voicebot.calls.spool import SpoolingJournal, default_spool_dir
from voicebot.calls.store import CallStore


class Outage:
    """The real store, whose writes fail like an unreachable database while `down` is set."""

    def __init__(self, store: CallStore) -> None:
        self.store, self.down, self.calls = store, False, 0
        self.worker = store.worker

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.store, name)

        def call(*args: Any) -> Any:
            self.calls += 1
            if self.down:
                raise OperationalError("INSERT", {}, Exception("connection refused"))
            return real(*args)

        return call


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _live_call(journal: SpoolingJournal, rec: CallRecord) -> None:
    """Start, then every turn, as the recorder writes them."""
    turns, rec.turns = list(rec.turns), []
    journal.start(rec)
    for turn in turns:
        rec.turns.append(turn)
        journal.add_turn(rec, turn)


def test_call_spooled_mid_call_is_written_whole_when_the_database_returns(db_url: str, tmp_path: Path) -> None:
    store, clock = CallStore(db_url), Clock()
    db = Outage(store)
    journal = SpoolingJournal(db, tmp_path / "spool", clock=clock)
    rec = record("out-1", intents=("pas", "mitid"), callback="+4520000000")
    turns = list(rec.turns)
    rec.turns = []
    journal.start(rec)
    rec.turns.append(turns[0])
    journal.add_turn(rec, turns[0])
    db.down = True  # the database goes away after the greeting
    for turn in turns[1:]:
        rec.turns.append(turn)
        journal.add_turn(rec, turn)
    journal.add_callback(rec, rec.callback)
    journal.finish(rec)
    assert journal.counts["spooled"] == 1 and journal.pending() == 1
    (path,) = journal.spool.pending()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["finished"] is True

    clock.t = 10.0
    assert journal.replay() == 0  # still down: kept, counted
    assert journal.pending() == 1 and journal.counts["replay_failures"] == 1

    db.down = False
    clock.t = 20.0
    assert journal.replay() == 1
    assert journal.pending() == 0 and journal.counts["replayed"] == 1
    got = store.get("out-1")
    assert got is not None and not got["live"] and got["outcome"] == "contained"
    assert [t["speaker"] for t in got["turns"]] == [t.speaker for t in turns]
    assert got["intents"] == ["pas", "mitid"] and [c["reason"] for c in got["callbacks"]] == ["closed_hours"]


def test_while_down_new_calls_go_straight_to_the_spool(tmp_path: Path) -> None:
    clock = Clock()
    db = Outage(CallStore(f"sqlite:///{tmp_path / 'calls.db'}"))
    journal = SpoolingJournal(db, tmp_path / "spool", retry_s=5.0, clock=clock)
    db.down = True
    _live_call(journal, record("a"))
    tried = db.calls
    assert tried == 1  # the first write found the database down; the call's later writes did not wait on it
    clock.t = 1.0
    _live_call(journal, record("b"))
    assert db.calls == tried and journal.counts["spooled"] == 2
    clock.t = 6.0  # past retry_s: a new call tries the database again
    db.down = False
    _live_call(journal, record("c"))
    assert db.calls > tried and journal.counts["spooled"] == 2
    assert journal.database_up


def test_a_live_spooled_call_waits_and_an_orphan_is_closed_as_error(tmp_path: Path) -> None:
    store = CallStore(f"sqlite:///{tmp_path / 'calls.db'}")
    db = Outage(store)
    journal = SpoolingJournal(db, tmp_path / "spool")
    db.down = True
    _live_call(journal, record("live"))  # still going in this process
    db.down = False
    assert journal.replay() == 0 and journal.pending() == 1

    # a call left in the spool by a process that is gone (crashed while the database was down)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_worker = f"{store.worker.rsplit(':', 1)[0]}:{gone.stdout.strip()}"
    orphan = record("orphan")
    orphan.outcome, orphan.end_reason = "abandoned", ""
    body = {"worker": dead_worker, "finished": False, "record": orphan.to_state()}
    (tmp_path / "spool" / "orphan.json").write_text(json.dumps(body))
    assert journal.replay() == 1
    got = store.get("orphan")
    assert got is not None and got["outcome"] == "error" and got["end_reason"] == "crash"
    assert len(got["turns"]) == len(orphan.turns)
    assert store.get("live") is None and journal.pending() == 1


def test_two_workers_sharing_a_spool_write_each_call_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    store = CallStore(url)
    db = Outage(store)
    first = SpoolingJournal(db, tmp_path / "spool")
    second = SpoolingJournal(CallStore(url, worker="elsewhere:1"), tmp_path / "spool")
    db.down = True
    for i in range(5):
        rec = record(f"w{i}")
        _live_call(first, rec)
        first.finish(rec)
    db.down = False
    assert second.replay() + first.replay() == 5
    assert first.pending() == 0 and len(store.recent(10)) == 5


def test_a_stale_claim_of_a_dead_process_goes_back_to_the_queue(tmp_path: Path) -> None:
    store = CallStore(f"sqlite:///{tmp_path / 'calls.db'}")
    journal = SpoolingJournal(store, tmp_path / "spool")
    rec = record("stale")
    journal.spool.put(rec, finished=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (path,) = journal.spool.pending()
    os.rename(path, path.with_name(f".{path.name}.claimed-{gone.stdout.strip()}"))
    assert journal.pending() == 1  # claimed is not written: the metric must not show it as done
    assert journal.replay() == 1 and store.get("stale") is not None


def test_a_call_being_written_back_still_counts_as_pending(tmp_path: Path) -> None:
    store = CallStore(f"sqlite:///{tmp_path / 'calls.db'}")
    seen: list[int] = []

    class Watching(Outage):
        def rewrite(self, rec: CallRecord) -> None:
            seen.append(journal.pending())  # what /metrics shows while the write is under way
            self.store.rewrite(rec)

    journal = SpoolingJournal(Watching(store), tmp_path / "spool")
    journal.spool.put(record("busy"), finished=True)
    assert journal.replay() == 1
    assert seen == [1] and journal.pending() == 0 and journal.counts["replayed"] == 1


def test_record_state_round_trips_every_field() -> None:
    rec = record("rt", intents=("pas",), callback="+4512345678", reason="asked", rating=3)
    rec.turns.append(Turn("caller", "ja", 20.0, 20.4, "ja", 0.97, ("ja", "pas")))
    rec.add_caller_turn(Turn("caller", "hmm", 21.0, 21.3, "mitid", 0.4, ()))
    rec.counters.barge_ins, rec.transport = 2, {"codec": "PCMU/8000"}
    back = CallRecord.from_state(json.loads(json.dumps(rec.to_state())))
    assert back == rec


@pytest.mark.parametrize(("url", "want"), [
    ("sqlite:///data/calls.db", Path("data/calls.db.spool")),
    ("postgresql://voicebot@db/voicebot", Path("voicebot-spool")),
])  # fmt: skip
def test_default_spool_folder(url: str, want: Path) -> None:
    assert default_spool_dir(url) == want
