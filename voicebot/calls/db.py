"""Database engines and migrations: SQLite (WAL) embedded, PostgreSQL by URL.

`open_engine(url)` makes the engine; `upgrade(engine)` runs the Alembic migrations to the head,
under a lock so that several workers starting at once migrate once. `serve` and `voicebot db
upgrade` call it; a file from the first version (one JSON blob per call) is migrated, not dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from voicebot.errors import ConfigError, EngineError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 7_204_412  # pg_advisory_lock key for migrations


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 (the driver we install), not psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL; None for PostgreSQL and for in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return None if path in ("", ":memory:") else path


def open_engine(url: str) -> Engine:
    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            path = sqlite_path(url)
            if path is None:  # one connection shared by every thread (the store uses a scratch file instead)
                engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
            else:
                _create_private(Path(path))
                engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        if url.startswith("postgresql"):
            # a server that does not answer is given up on after 5 s (the call's records then go to the spool)
            return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                                 connect_args={"connect_timeout": 5})
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(f"unusable database URL: {exc}") from exc
    raise ConfigError("unsupported database URL; use sqlite:///file.db or postgresql://user@host/db")


def _create_private(db: Path) -> None:
    """Create the database file readable by its owner only (0600) before SQLite opens it: it holds
    citizens' transcripts. SQLite gives its -wal and -shm files the same permissions."""
    db.parent.mkdir(parents=True, exist_ok=True)
    if not db.exists():
        os.close(os.open(db, os.O_CREAT | os.O_WRONLY, 0o600))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Any]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            try:
                yield conn
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
        return
    path = sqlite_path(str(engine.url))
    lock = open(f"{path}.migrate.lock", "w") if path else None  # noqa: SIM115
    try:
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.connect() as conn:
            yield conn
    finally:
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to `revision`; returns the revision it is at afterwards."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    try:
        with _migration_lock(engine) as conn:
            command.upgrade(alembic_config(conn), revision)
            conn.commit()
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise EngineError(f"database migration failed: {type(exc).__name__}") from exc


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
