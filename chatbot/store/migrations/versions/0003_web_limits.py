"""The public API's tables: rate-limit counters and the conversations it keeps for follow-ups.

``rate_limit_counters`` holds one row per key and time window (chatbot/store/rate_limits.py), so
the per-minute and per-day limits hold for every app instance sharing a PostgreSQL server.
``conversations`` keeps each API conversation's earlier questions (redacted), so a follow-up sent
to any instance is read with them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""

from alembic import op

from chatbot.store import schema
from chatbot.store.migrations.steps import add_missing

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NEW_TABLES = (schema.rate_limit_counters, schema.conversations)


def upgrade() -> None:
    add_missing(tables=NEW_TABLES)


def downgrade() -> None:
    for table in NEW_TABLES:
        op.drop_table(table.name)
