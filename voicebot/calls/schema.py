"""The database schema of call records (SQLAlchemy Core), shared by the store, KPIs and migrations.

`calls` holds one row per call; `turns` one per caller or bot turn (redacted text); `call_intents`
the distinct intents of a call and `gaps` its response gaps, both with the call's kommune, start
time and day copied in so the dashboard's aggregates read one narrow, indexed table; `callbacks`
the call-back promises staff must keep; `kpi_cache` per-day KPI partials (see `kpi_cache.py`).
Times are naive UTC; `day`, `hour` and `weekday` are the call's local (Danish) calendar fields,
computed once at the start.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

calls = Table(
    "calls",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("dialplan", String(100), nullable=False),
    Column("kommune", String(100)),
    Column("channel", String(16), nullable=False, default="replay"),
    Column("caller", String(64), nullable=False, default=""),  # personal data: for erasure only
    Column("called", String(64), nullable=False, default=""),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Column("day", Date, nullable=False),
    Column("hour", Integer, nullable=False),
    Column("weekday", Integer, nullable=False),  # 0 = Monday
    Column("live", Boolean, nullable=False, default=False),
    Column("worker", String(100), nullable=False, default=""),
    Column("outcome", String(16), nullable=False, default="abandoned"),
    Column("end_reason", String(64), nullable=False, default=""),
    Column("topic", String(32)),  # the first recognised topic
    Column("transfer_target", String(200)),
    Column("transfer_reason", String(32)),
    Column("transfer_via", String(16)),
    Column("after_hours", Boolean, nullable=False, default=False),
    Column("rating", Integer),
    Column("error", Text),
    Column("answered", Text, nullable=False, default=""),  # comma-separated topics
    Column("handover", Text),  # JSON, redacted
    Column("extra", Text),  # JSON: counters and transport stats
)
Index("ix_calls_started", calls.c.started_at, calls.c.call_id)
Index("ix_calls_kommune_started", calls.c.kommune, calls.c.started_at)
Index("ix_calls_live", calls.c.live)
Index("ix_calls_caller", calls.c.caller)
Index("ix_calls_dialplan_started", calls.c.dialplan, calls.c.started_at)
Index("ix_calls_day", calls.c.day, calls.c.kommune)

turns = Table(
    "turns",
    metadata,
    Column("call_id", String(64), ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("speaker", String(8), nullable=False),
    Column("text", Text, nullable=False),  # redacted
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("intent", String(32)),
    Column("confidence", Float),
    Column("at", DateTime, nullable=False),  # when the row was written
)

call_intents = Table(
    "call_intents",
    metadata,
    Column("call_id", String(64), ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    Column("intent", String(32), primary_key=True),
    Column("kommune", String(100)),
    Column("started_at", DateTime, nullable=False),
    Column("day", Date, nullable=False),  # the call's local day, as calls.day
)
Index("ix_call_intents_day", call_intents.c.day, call_intents.c.kommune, call_intents.c.intent)
Index("ix_call_intents_started", call_intents.c.started_at, call_intents.c.kommune, call_intents.c.intent)
Index("ix_call_intents_kommune", call_intents.c.kommune, call_intents.c.started_at, call_intents.c.intent)
Index("ix_call_intents_intent", call_intents.c.intent, call_intents.c.call_id)

gaps = Table(
    "gaps",
    metadata,
    Column("call_id", String(64), ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("ms", Integer, nullable=False),  # end of caller speech -> first bot audio, whole ms
    Column("kommune", String(100)),
    Column("started_at", DateTime, nullable=False),
    Column("day", Date, nullable=False),
)
Index("ix_gaps_day", gaps.c.day, gaps.c.kommune, gaps.c.ms)
Index("ix_gaps_started", gaps.c.started_at, gaps.c.kommune, gaps.c.ms)
Index("ix_gaps_kommune", gaps.c.kommune, gaps.c.started_at, gaps.c.ms)

callbacks = Table(
    "callbacks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(64), ForeignKey("calls.call_id", ondelete="CASCADE"), nullable=False),
    Column("kommune", String(100)),
    Column("number", String(64), nullable=False),  # personal data
    Column("reason", String(64), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("done_at", DateTime),
    Column("done_by", String(64)),
)
Index("ix_callbacks_open", callbacks.c.done_at, callbacks.c.created_at)
Index("ix_callbacks_kommune", callbacks.c.kommune, callbacks.c.created_at)
Index("ix_callbacks_call", callbacks.c.call_id)

# Per-day KPI partials (counts by outcome, hour, reason, rating; intents; gap histogram) of whole
# past days, for one kommune or "*" for all. Derived data: any write to a day deletes its rows.
kpi_cache = Table(
    "kpi_cache",
    metadata,
    Column("day", Date, primary_key=True),
    Column("scope", String(100), primary_key=True),
    Column("data", Text, nullable=False),
)
