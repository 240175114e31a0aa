"""Logins slowed down instead of locked, and nothing permanent for names without an account.

Adds ``login_lockouts.last_failed_at`` (a row is forgotten an hour after its last wrong
password), ``audit_log.expires_at`` (entries of logins with unknown names expire) and the
``login_counters`` table (daily counts of such attempts, with no name). Nothing is dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-10
"""

from alembic import op

from chatbot.store import schema
from chatbot.store.migrations.steps import add_missing

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    audit_expires = next(i for i in schema.audit_log.indexes if i.name == "audit_log_expires")
    add_missing(
        tables=[schema.login_counters],
        columns=[(schema.login_lockouts, "last_failed_at"), (schema.audit_log, "expires_at")],
        indexes=[audit_expires],
    )


def downgrade() -> None:
    op.drop_index("audit_log_expires", table_name="audit_log")
    op.drop_column("audit_log", "expires_at")
    op.drop_column("login_lockouts", "last_failed_at")
    op.drop_table("login_counters")
