"""Alembic environment: migrations run on the connection `voicebot.calls.db.upgrade` passes in."""

from __future__ import annotations

from alembic import context

from voicebot.calls.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through voicebot.calls.db
    raise RuntimeError("run migrations through `voicebot db upgrade`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
