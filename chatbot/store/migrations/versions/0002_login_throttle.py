"""Logins slowed down instead of locked, and nothing permanent for names without an account.

Adds ``login_lockouts.last_failed_at`` (a row is forgotten an hour after its last wrong
password), ``audit_log.expires_at`` (entries of logins with unknown names expire) and the
``login_counters`` table (daily counts of such attempts, with no name). Nothing is dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

from chatbot.store import schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    if "login_counters" not in inspector.get_table_names():
        schema.login_counters.create(conn)
    for table, column in ((schema.login_lockouts, "last_failed_at"), (schema.audit_log, "expires_at")):
        if column not in {c["name"] for c in inspector.get_columns(table.name)}:
            op.add_column(table.name, table.c[column]._copy())
    if "audit_log_expires" not in {i["name"] for i in inspector.get_indexes("audit_log")}:
        op.create_index("audit_log_expires", "audit_log", ["expires_at"])


def downgrade() -> None:
    op.drop_index("audit_log_expires", table_name="audit_log")
    op.drop_column("audit_log", "expires_at")
    op.drop_column("login_lockouts", "last_failed_at")
    op.drop_table("login_counters")
