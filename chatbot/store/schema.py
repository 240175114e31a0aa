"""Every table the app writes, as SQLAlchemy Core ``Table`` objects: the one description of the store.

The same tables on the embedded SQLite default and on a PostgreSQL server. Times are ISO-8601
text in UTC and structured values JSON text, so both back-ends store exactly the same bytes and
a database moves from one to the other row for row (``chatbot db import``). The migrations in
``chatbot/store/migrations/versions`` create and change these tables; ``chatbot.store.migrate`` runs them.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)

metadata = MetaData()

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),                 # ISO-8601, UTC
    Column("session_id", Text, nullable=False),                 # random per browser session; nothing links it to a person
    Column("question", Text, nullable=False),                   # redacted
    Column("history", Text, nullable=False, server_default="[]"),    # JSON list of the earlier questions, redacted
    Column("answer", Text, nullable=False),                     # the text the asker saw, redacted
    Column("citations", Text, nullable=False, server_default="[]"),  # JSON list of {n, article, title, section, chunk_id, score}
    Column("category", Text, nullable=False),                   # guardrail category
    Column("rating", Integer),                                  # 1 helpful, 0 not helpful, NULL not rated
    Column("comment", Text, nullable=False, server_default=""),      # redacted
    Column("rated_at", Text),
    Column("language", Text, nullable=False, server_default="en"),   # ISO 639-1 code of the question
    Column("uid", Text),                                        # made by the writer, so a retried insert is never stored twice
    Column("size", Integer, nullable=False, server_default="0"),     # bytes of client text, counted against the quota
    Index("feedback_created", "created_at"),
    Index("feedback_session", "session_id"),
    Index("feedback_uid", "uid", unique=True),
)

staff_accounts = Table(
    "staff_accounts", metadata,
    Column("name", Text, primary_key=True),                     # unique ignoring case (staff_accounts_name_key)
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),              # argon2id, with its parameters and salt
    Column("disabled", Integer, nullable=False, server_default="0"),
    Column("created_at", Text, nullable=False),
    Column("password_changed_at", Text, nullable=False),
    Column("last_login_at", Text),
)
Index("staff_accounts_name_key", func.lower(staff_accounts.c.name), unique=True)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),                       # an account's name (lower case); names without one go to login_counters
    Column("at", Text, nullable=False),
    Column("success", Integer, nullable=False),                 # 1 logged in, 0 refused
    Column("outcome", Text, nullable=False),                    # ok, wrong_password, unknown_name, locked, disabled
    Index("login_attempts_name", "name", "at"),
)

login_lockouts = Table(
    "login_lockouts", metadata,
    Column("name", Text, primary_key=True),                     # lower case, or client:<digest of the address>
    Column("failures", Integer, nullable=False),                # wrong passwords in a row
    Column("locked_until", Text),                               # no try before this (a growing delay once failures reach the limit)
    Column("last_failed_at", Text),                             # the row is deleted login_forget_minutes after this
)

login_counters = Table(
    "login_counters", metadata,
    Column("day", Text, nullable=False),                        # YYYY-MM-DD, UTC
    Column("outcome", Text, nullable=False),                    # unknown_name, slowed, client_slowed, busy
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("day", "outcome"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),                      # staff name, or cli:<os user>
    Column("action", Text, nullable=False),                     # login, login.failed, account.add, ...
    Column("subject", Text, nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),     # JSON object
    Column("expires_at", Text),                                 # only for logins with names that have no account
    Index("audit_log_at", "at"),
    Index("audit_log_expires", "expires_at"),
)

reviewed_answers = Table(
    "reviewed_answers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question_key", Text, nullable=False, unique=True),  # lower case, single spaces, no end punctuation
    Column("question", Text, nullable=False),
    Column("status", Text, nullable=False),                     # draft | reviewed | needs_review | withdrawn
    Column("published_revision", Integer, nullable=False, server_default="0"),  # 0: never approved
    Column("latest_revision", Integer, nullable=False, server_default="0"),
    Column("stale", Text, nullable=False, server_default="[]"),      # JSON list of {n, article, old, new}
    Column("updated_at", Text, nullable=False),
)

reviewed_revisions = Table(
    "reviewed_revisions", metadata,
    Column("answer_id", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),                     # with [n] markers
    Column("sources", Text, nullable=False),                    # JSON list of {article, quote} | {clinic: true}
    Column("also_asked", Text, nullable=False, server_default="[]"),
    Column("author", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),    # what changed
    Column("approved_by", Text),
    Column("approved_at", Text),
    PrimaryKeyConstraint("answer_id", "number"),
    ForeignKeyConstraint(["answer_id"], ["reviewed_answers.id"]),
)

reviewed_history = Table(
    "reviewed_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", Integer, nullable=False),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),                     # draft | approve | withdraw | needs_review | import
    Column("revision", Integer, nullable=False, server_default="0"),
    Column("detail", Text, nullable=False, server_default=""),
)

reviewed_state = Table(
    "reviewed_state", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),                 # bumped by every change to the reviewed answers
    CheckConstraint("id = 1", name="reviewed_state_one_row"),
)

rate_limit_counters = Table(
    "rate_limit_counters", metadata,
    Column("subject", Text, nullable=False),                    # visitor:<id>, ip:<address> or day (chatbot/store/rate_limits.py)
    Column("window_start", Integer, nullable=False),            # seconds since the epoch (UTC)
    Column("hits", Integer, nullable=False),                    # questions counted in the window
    Column("expires_at", Integer, nullable=False),              # end of the window: rows past it are deleted
    PrimaryKeyConstraint("subject", "window_start"),
    Index("rate_limit_counters_expires", "expires_at"),
)

conversations = Table(
    "conversations", metadata,
    Column("id", Text, primary_key=True),                       # random (32 hex digits); the API's conversation_id
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("questions", Text, nullable=False, server_default="[]"),  # JSON list of the questions asked, redacted
    Index("conversations_updated", "updated_at"),
)

client_usage = Table(
    "client_usage", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("bytes", Integer, nullable=False, server_default="0"),    # SUM(feedback.size): what the client quota counts
    Column("dropped", Integer, nullable=False, server_default="0"),  # oldest records dropped to stay under the quota
    Column("dropped_at", Text),                                 # when the last one was
    CheckConstraint("id = 1", name="client_usage_one_row"),
)

TABLES = (
    feedback, staff_accounts, login_attempts, login_lockouts, login_counters, audit_log, reviewed_answers, reviewed_revisions,
    reviewed_history, reviewed_state, conversations,
)
"""In an order that respects the foreign key (answers before their revisions): the order of an import."""

BOOKKEEPING = (client_usage, rate_limit_counters)
"""Counters the app keeps for itself (revisions 0003 and 0004): never imported or exported, rebuilt as needed."""
