"""The embedded database holds citizens' transcripts: its file, and SQLite's WAL beside it, are
readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from voicebot.calls.record import CallRecord, Turn
from voicebot.calls.store import CallStore


def test_the_sqlite_file_and_its_wal_are_created_0600(tmp_path: Path) -> None:
    db = tmp_path / "data" / "voicebot.db"
    store = CallStore(f"sqlite:///{db}", worker="host:1")
    record = CallRecord("c1", "default", None, "2026-12-02T10:00:00+00:00")
    store.start(record)
    turn = Turn("caller", "hvad koster et pas", 1.0, 2.0, "pas", 0.9)
    record.turns.append(turn)
    store.add_turn(record, turn)
    store.finish(record)
    files = [db, *db.parent.glob("voicebot.db-*")]
    assert any(f.name.endswith("-wal") for f in files), [f.name for f in files]
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, (f.name, oct(f.stat().st_mode))
    store.close()
