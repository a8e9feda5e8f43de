"""Database fixtures for tests/calls and tests/api: every test that takes `db_url` runs twice,
against SQLite (a file in tmp) and against a real PostgreSQL cluster started for the session."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pgcluster import PgCluster

_names = itertools.count()


@pytest.fixture(scope="session")
def pg():
    cluster = PgCluster()
    try:
        cluster.start()  # no skip: a missing or broken PostgreSQL fails the run
    except Exception:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'calls.db'}"
    return request.getfixturevalue("pg").create_db(f"t{next(_names)}")
