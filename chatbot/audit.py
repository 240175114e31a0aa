"""The audit log: who did what to the staff accounts and the reviewed answers, and when.

One append-only table ``audit_log`` in the clinic's database (``settings.feedback_db``):
every login (successful, refused, locked), every account change, and every approval or edit
of an answer. Entries are never updated or deleted by the app. An entry has the time (ISO-8601,
UTC), the actor (a staff name, or ``cli:<os user>`` for the command line), an action (one of
the names below, or a name of the same form from another module), the subject it concerns
and a JSON object of details. Passwords never reach it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatbot.database import Database
from chatbot.errors import AccountStoreError
from chatbot.settings import Settings

LOGIN = "login"
"""A successful login; the subject is the account name."""
LOGIN_FAILED = "login.failed"
"""A wrong password or a name without an account; detail ``reason`` and ``tries_left``."""
LOGIN_LOCKED = "login.locked"
"""A login refused because the name is locked; detail ``until``. The attempt that locks a name is
recorded as ``login.failed`` with ``tries_left`` 0 and ``locked_until``."""
LOGIN_DISABLED = "login.disabled"
"""The right password for a disabled account."""
LOGOUT = "logout"
SESSION_EXPIRED = "session.expired"
"""A staff session idle for longer than ``staff_session_idle_minutes``."""
ACCOUNT_ADDED = "account.add"
ACCOUNT_DISABLED = "account.disable"
ACCOUNT_PASSWORD_SET = "account.set_password"
ACCOUNT_UNLOCKED = "account.unlock"

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,             -- ISO-8601, UTC
    actor    TEXT NOT NULL,             -- staff name, or cli:<os user>
    action   TEXT NOT NULL,             -- login, login.failed, account.add, ...
    subject  TEXT NOT NULL DEFAULT '',  -- what it concerns: an account name, a question, ...
    detail   TEXT NOT NULL DEFAULT '{}' -- JSON object
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
"""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class AuditLog:
    """Appends to and reads ``audit_log``. Cheap to create; safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.db = Database(settings, schema=SCHEMA, what="the audit log", error=AccountStoreError)

    def record(self, actor: str, action: str, *, subject: str = "", detail: dict[str, Any] | None = None, at: datetime | None = None) -> int:
        """Append one entry and return its id. ``detail`` must be JSON-serialisable.

        Raises ``AccountStoreError`` when the database cannot be written.
        """
        return self.db.write(lambda conn: insert_entry(conn, actor, action, subject=subject, detail=detail, at=at))

    def recent(self, limit: int = 100, *, actor: str | None = None, action: str | None = None, subject: str | None = None) -> list[AuditEntry]:
        """The latest ``limit`` entries, newest first, optionally only one actor's, action's or subject's.

        An action ending in ``.`` or ``*`` matches every action that starts with it (``"login*"``).
        """
        where, params = [], []
        for column, value in (("actor", actor), ("subject", subject)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if action is not None:
            if action.endswith("*"):
                where.append("action LIKE ? ESCAPE '\\'")
                params.append(action[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
            else:
                where.append("action = ?")
                params.append(action)
        sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"

        def select(conn: sqlite3.Connection) -> list[AuditEntry]:
            return [_entry(row) for row in conn.execute(sql, (*params, max(0, int(limit))))]

        return self.db.read(select, empty=[])


def insert_entry(
    conn: sqlite3.Connection, actor: str, action: str, *, subject: str = "", detail: dict[str, Any] | None = None, at: datetime | None = None
) -> int:
    """Append one entry inside the caller's transaction, so a change and its audit entry are stored together.

    The caller's ``Database`` schema must include ``SCHEMA`` (``Database(..., schema=MINE + audit.SCHEMA)``).
    """
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    cur = conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (when, actor, action, subject, json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)),
    )
    return int(cur.lastrowid or 0)


def _entry(row: sqlite3.Row) -> AuditEntry:
    try:
        detail = json.loads(row["detail"] or "{}")
    except json.JSONDecodeError:
        detail = {}
    return AuditEntry(
        id=row["id"], at=datetime.fromisoformat(row["at"]), actor=row["actor"], action=row["action"],
        subject=row["subject"] or "", detail=detail if isinstance(detail, dict) else {},
    )
