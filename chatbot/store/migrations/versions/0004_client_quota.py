"""Client traffic apart from staff data: a size per feedback record and the client quota's counter.

``feedback.size`` (bytes of client text, what the quota counts) is filled in for the records
already there, the one-row ``client_usage`` counter is set to their sum.
Revision 0001 creates every table of ``chatbot.store.schema`` that is missing, so on a new
database some of this exists already: each step checks first.

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-15
"""

from alembic import op

from chatbot.store import schema
from chatbot.store.migrations.steps import add_missing

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_missing(tables=[schema.client_usage], columns=[(schema.feedback, "size")], indexes=schema.feedback.indexes)
    op.execute(
        "UPDATE feedback SET size = LENGTH(question) + LENGTH(history) + LENGTH(answer) + LENGTH(citations) + LENGTH(comment) "
        "WHERE size = 0"
    )
    op.execute("INSERT INTO client_usage (id, bytes, dropped) SELECT 1, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM client_usage WHERE id = 1)")
    op.execute("UPDATE client_usage SET bytes = (SELECT COALESCE(SUM(size), 0) FROM feedback) WHERE id = 1")


def downgrade() -> None:
    op.drop_table("client_usage")
    op.drop_index("feedback_session", table_name="feedback")
    op.drop_column("feedback", "size")
