"""One store for every table: create what is missing, bring a single-file SQLite database up to date.

The first revision, so it also adopts a database written before migrations existed (the
``data/feedback.sqlite3`` of earlier releases): tables it lacks are created, and the columns and
indexes added since (``feedback.language``, ``feedback.uid``, the case-insensitive account name
index) are added to the tables it has. Nothing is dropped or rewritten. Later revisions change
the schema with explicit operations.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from chatbot.store import schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    existing = set(sa.inspect(conn).get_table_names())
    for table in schema.TABLES:
        if table.name not in existing:
            table.create(conn)
            continue
        inspector = sa.inspect(conn)
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in columns:
                op.add_column(table.name, column._copy())
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)
    op.execute("INSERT INTO reviewed_state (id, version) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM reviewed_state WHERE id = 1)")


def downgrade() -> None:
    raise NotImplementedError("the first revision cannot be undone; restore a backup instead")
