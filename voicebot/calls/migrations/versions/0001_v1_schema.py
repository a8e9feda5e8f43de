"""v1 schema: calls, turns, call_intents, gaps, callbacks, kpi_cache.

A database from the first version (a `calls` table of one JSON blob per call) is migrated: its
table is renamed, the v1 tables are made, every record is copied in (turn text redacted), and
the old table is dropped.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    legacy = "record" in {c["name"] for c in sa.inspect(bind).get_columns("calls")} if _has_calls(bind) else False
    if legacy:
        op.rename_table("calls", "calls_v0")
    op.create_table('calls',
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('dialplan', sa.String(length=100), nullable=False),
    sa.Column('kommune', sa.String(length=100), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('caller', sa.String(length=64), nullable=False),
    sa.Column('called', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('worker', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('end_reason', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=True),
    sa.Column('transfer_target', sa.String(length=200), nullable=True),
    sa.Column('transfer_reason', sa.String(length=32), nullable=True),
    sa.Column('transfer_via', sa.String(length=16), nullable=True),
    sa.Column('after_hours', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('answered', sa.Text(), nullable=False),
    sa.Column('handover', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('call_id')
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index('ix_calls_caller', ['caller'], unique=False)
        batch_op.create_index('ix_calls_day', ['day', 'kommune'], unique=False)
        batch_op.create_index('ix_calls_dialplan_started', ['dialplan', 'started_at'], unique=False)
        batch_op.create_index('ix_calls_kommune_started', ['kommune', 'started_at'], unique=False)
        batch_op.create_index('ix_calls_live', ['live'], unique=False)
        batch_op.create_index('ix_calls_started', ['started_at', 'call_id'], unique=False)

    op.create_table('kpi_cache',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'scope')
    )
    op.create_table('call_intents',
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('intent', sa.String(length=32), nullable=False),
    sa.Column('kommune', sa.String(length=100), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'intent')
    )
    with op.batch_alter_table('call_intents', schema=None) as batch_op:
        batch_op.create_index('ix_call_intents_day', ['day', 'kommune', 'intent'], unique=False)
        batch_op.create_index('ix_call_intents_intent', ['intent', 'call_id'], unique=False)
        batch_op.create_index('ix_call_intents_kommune', ['kommune', 'started_at', 'intent'], unique=False)
        batch_op.create_index('ix_call_intents_started', ['started_at', 'kommune', 'intent'], unique=False)

    op.create_table('callbacks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('kommune', sa.String(length=100), nullable=True),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_callbacks_call', ['call_id'], unique=False)
        batch_op.create_index('ix_callbacks_kommune', ['kommune', 'created_at'], unique=False)
        batch_op.create_index('ix_callbacks_open', ['done_at', 'created_at'], unique=False)

    op.create_table('gaps',
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('ms', sa.Integer(), nullable=False),
    sa.Column('kommune', sa.String(length=100), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'seq')
    )
    with op.batch_alter_table('gaps', schema=None) as batch_op:
        batch_op.create_index('ix_gaps_day', ['day', 'kommune', 'ms'], unique=False)
        batch_op.create_index('ix_gaps_kommune', ['kommune', 'started_at', 'ms'], unique=False)
        batch_op.create_index('ix_gaps_started', ['started_at', 'kommune', 'ms'], unique=False)

    op.create_table('turns',
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.Column('intent', sa.String(length=32), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.call_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'seq')
    )
    if legacy:
        from voicebot.calls.legacy import copy_legacy_calls

        copy_legacy_calls(bind, "calls_v0")
        op.drop_table("calls_v0")


def _has_calls(bind: sa.engine.Connection) -> bool:
    return "calls" in sa.inspect(bind).get_table_names()


def downgrade() -> None:
    op.drop_table('turns')
    with op.batch_alter_table('gaps', schema=None) as batch_op:
        batch_op.drop_index('ix_gaps_started')
        batch_op.drop_index('ix_gaps_kommune')
        batch_op.drop_index('ix_gaps_day')

    op.drop_table('gaps')
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_callbacks_open')
        batch_op.drop_index('ix_callbacks_kommune')
        batch_op.drop_index('ix_callbacks_call')

    op.drop_table('callbacks')
    with op.batch_alter_table('call_intents', schema=None) as batch_op:
        batch_op.drop_index('ix_call_intents_started')
        batch_op.drop_index('ix_call_intents_kommune')
        batch_op.drop_index('ix_call_intents_intent')
        batch_op.drop_index('ix_call_intents_day')

    op.drop_table('call_intents')
    op.drop_table('kpi_cache')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_started')
        batch_op.drop_index('ix_calls_live')
        batch_op.drop_index('ix_calls_kommune_started')
        batch_op.drop_index('ix_calls_dialplan_started')
        batch_op.drop_index('ix_calls_day')
        batch_op.drop_index('ix_calls_caller')

    op.drop_table('calls')
