"""The audit log: who did what to the staff accounts and the reviewed answers, and when.

One append-only table ``audit_log`` in the clinic's database (``chatbot.store.database``):
every login (successful, refused, locked), every account change, and every approval or edit
of an answer. Entries are never updated or deleted by the app, except those of logins with a
name that has no account: they carry ``expires_at`` (``login_unknown_audit_days``), since the
name typed may be a password typed in the wrong box, and are deleted once it has passed. An entry has the time (ISO-8601,
UTC), the actor (a staff name, or ``cli:<os user>`` for the command line), an action (one of
the names below, or a name of the same form from another module), the subject it concerns
and a JSON object of details. Passwords never reach it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatbot.errors import AccountStoreError
from chatbot.settings import Settings
from chatbot.store import schema
from chatbot.store.connection import Tx
from chatbot.store.database import Database

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
        self.db = Database(settings, what="the audit log", error=AccountStoreError)

    def record(self, actor: str, action: str, *, subject: str = "", detail: dict[str, Any] | None = None, at: datetime | None = None) -> int:
        """Append one entry and return its id. ``detail`` must be JSON-serialisable.

        Raises ``AccountStoreError`` when the database cannot be written.
        """
        return self.db.write(lambda conn: insert_entry(conn, actor, action, subject=subject, detail=detail, at=at))

    def recent(self, limit: int = 100, *, actor: str | None = None, action: str | None = None, subject: str | None = None) -> list[AuditEntry]:
        """The latest ``limit`` entries, newest first, optionally only one actor's, action's or subject's.

        An action ending in ``.`` or ``*`` matches every action that starts with it (``"login*"``).
        """
        where, params = [], {"limit": max(0, int(limit))}
        for column, value in (("actor", actor), ("subject", subject)):
            if value is not None:
                where.append(f"{column} = :{column}")
                params[column] = value
        if action is not None:
            if action.endswith("*"):
                where.append("action LIKE :action ESCAPE '\\'")
                params["action"] = action[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            else:
                where.append("action = :action")
                params["action"] = action
        sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT :limit"

        def select(tx: Tx) -> list[AuditEntry]:
            return [_entry(row) for row in tx.all(sql, **params)]

        return self.db.read(select, empty=[])


def insert_entry(
    tx: Tx, actor: str, action: str, *, subject: str = "", detail: dict[str, Any] | None = None, at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Append one entry inside the caller's transaction, so a change and its audit entry are stored together.

    ``expires_at``: when the entry may be deleted (``delete_expired``); None keeps it for good.
    """
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    return tx.insert(
        schema.audit_log, at=when, actor=actor, action=action, subject=subject,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
        expires_at=expires_at.astimezone(UTC).isoformat(timespec="seconds") if expires_at else None,
    )


def delete_expired(tx: Tx, now: datetime) -> int:
    """Delete the entries whose ``expires_at`` has passed; returns how many."""
    return tx.run("DELETE FROM audit_log WHERE expires_at IS NOT NULL AND expires_at < :now", now=now.astimezone(UTC).isoformat(timespec="seconds"))


def _entry(row) -> AuditEntry:
    try:
        detail = json.loads(row["detail"] or "{}")
    except json.JSONDecodeError:
        detail = {}
    return AuditEntry(
        id=row["id"], at=datetime.fromisoformat(row["at"]), actor=row["actor"], action=row["action"],
        subject=row["subject"] or "", detail=detail if isinstance(detail, dict) else {},
    )
