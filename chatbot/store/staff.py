"""Staff members as values: the roles and what each may do, the account name rules, ``StaffUser``
and ``AccountInfo``, and the clock and time format that lock messages use.

Shared by the account management (``chatbot.store.accounts``), the login checks
(``chatbot.store.logins``), the ``chatbot staff`` commands and the staff pages. The helpers at the
end read and write the rows of the account tables (names are compared case-folded; times are
ISO-8601 text in UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from chatbot.errors import AccountError, UnknownRoleError

ROLES = ("editor", "clinician", "admin")
EDITOR, CLINICIAN, ADMIN = ROLES
ROLE_DUTIES = {EDITOR: "drafts answers", CLINICIAN: "drafts and approves answers", ADMIN: "drafts and approves answers, manages accounts"}

LEGACY_ADMIN = "admin"
"""The account name ``CHATBOT_STAFF_PASSWORD`` logs in as (an empty name does too)."""
MAX_NAME_CHARS = 64
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class StaffUser:
    """A logged-in staff member. ``legacy``: logged in with the deprecated shared password."""

    name: str
    role: str
    legacy: bool = False

    @property
    def can_approve(self) -> bool:
        return self.role in (CLINICIAN, ADMIN)

    @property
    def can_manage(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True)
class AccountInfo:
    """An account as an admin sees it (never the hash)."""

    name: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None
    password_changed_at: datetime | None = None
    locked_until: datetime | None = None
    """No login try for the name before this (too many wrong passwords in a row)."""
    password_version: str = ""
    """A digest of the (salted) hash: it changes with every new password, so a session can tell."""

    @property
    def status(self) -> str:
        if self.disabled:
            return "disabled"
        if self.locked_until is not None:
            return f"slowed down until {format_time(self.locked_until)}"
        return "active"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """``14:05 UTC`` for today, ``2026-12-03 14:05 UTC`` otherwise: what a lock message shows."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%H:%M UTC" if moment.date() == utc_now().date() else "%Y-%m-%d %H:%M UTC")


# --- checks -----------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """The account name, trimmed; raises ``AccountError`` when it cannot be one."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise AccountError(
            f"{name!r} cannot be an account name: use 1-{MAX_NAME_CHARS} letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit (e.g. anna or dr.lee)"
        )
    return name


def check_role(role: str) -> str:
    cleaned = (role or "").strip().lower()
    if cleaned not in ROLES:
        raise UnknownRoleError(f"{role!r} is not a role; use one of: " + ", ".join(f"{r} ({ROLE_DUTIES[r]})" for r in ROLES))
    return cleaned


# --- rows -----------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """The name as the tables compare it: trimmed and case-folded."""
    return (name or "").strip().casefold()


def iso_time(moment: datetime) -> str:
    """How the tables store a time: ISO-8601 in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def active_lock(row, now: datetime) -> datetime | None:
    """Until when the ``login_lockouts`` row locks its name, or None when it does not (any more)."""
    until = parse_time(row["locked_until"]) if row else None
    return until if until is not None and until > now else None
