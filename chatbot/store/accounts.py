"""Named staff accounts: argon2 password hashes, roles, login lockout.

Accounts live in the clinic's database (``chatbot.store.database``: SQLite or PostgreSQL) in tables of their
own: ``staff_accounts`` (one row per account), ``login_attempts`` (every login attempt with an
account's name: name, time, outcome), ``login_lockouts`` (wrong passwords in a row per name and
per client, and when the next try is possible) and ``login_counters`` (daily counts of attempts
with names that have no account). Because the slow-down is in the database, it holds for every
app process and the command line alike.

Roles, each able to do what the one before can:

- ``editor`` drafts answers;
- ``clinician`` also approves them;
- ``admin`` also manages accounts.

After ``staff_lockout_attempts`` wrong passwords in a row for a name, each next try for it waits
a growing delay (``chatbot.store.logins``): slowed down, never locked out. A name that has no
account is slowed down the same way and gets the same message, so trying names reveals nothing.
Every login, and every change to an account, is written to the audit log (``chatbot.store.audit``)
in the same transaction as the change.

``CHATBOT_STAFF_PASSWORD`` (deprecated) still logs in as one ``admin`` account named ``admin``
while no stored account has that name.

The roles and the value types are ``chatbot.store.staff``; logging in and the slow-down are
``chatbot.store.logins``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from chatbot.errors import AccountStoreError, DuplicateAccountError, UnknownAccountError
from chatbot.settings import Settings
from chatbot.store import audit, passwords
from chatbot.store.connection import Tx
from chatbot.store.database import Database
from chatbot.store.logins import Logins
from chatbot.store.permissions import require_role
from chatbot.store.staff import (
    ADMIN,
    LEGACY_ADMIN,
    AccountInfo,
    StaffUser,
    active_lock,
    check_name,
    check_role,
    iso_time,
    name_key,
    parse_time,
)


class AccountStore(Logins):
    """Creates, checks and changes staff accounts in the clinic's database.

    Every change checks, in its own transaction, that ``actor`` is an admin account (or the
    server: ``system``, ``cli:<os user>``); otherwise ``PermissionDeniedError``.
    Cheap to create; opens a connection per call. ``clock`` (returning an aware UTC datetime)
    replaces the real time, so a test can let a lock expire without waiting.
    Database problems raise ``AccountStoreError``; nothing is half-written.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.db = Database(settings, what="the staff accounts", error=AccountStoreError)
        self.max_failures = max(1, settings.staff_lockout_attempts)
        self._clock = clock
        self.hasher = passwords.hasher(settings.staff_hash_memory_kib, settings.staff_hash_passes)

    # --- managing accounts -------------------------------------------------------------

    def add(self, name: str, password: str, *, role: str, actor: str = "system") -> StaffUser:
        """Create an account. Raises ``AccountError`` subclasses for a bad name, role or password, or a taken name."""
        name = check_name(name)
        role = check_role(role)
        passwords.check_password(password, name=name, min_chars=self.settings.staff_password_min_chars, min_score=self.settings.staff_password_min_score)
        hashed = self.hasher.hash(password)
        now = iso_time(self.now())

        def insert(tx: Tx) -> None:
            self._require_admin(tx, actor)
            taken = tx.one("SELECT name FROM staff_accounts WHERE lower(name) = :key", key=name_key(name))
            if taken:
                raise DuplicateAccountError(
                    f"an account named {taken['name']!r} already exists (names ignore case); pick another name, "
                    f"or change its password with `chatbot staff set-password {taken['name']}`"
                )
            tx.run(
                "INSERT INTO staff_accounts (name, role, password_hash, created_at, password_changed_at) VALUES (:name, :role, :hash, :now, :now)",
                name=name, role=role, hash=hashed, now=now,
            )
            tx.run("DELETE FROM login_lockouts WHERE name = :key", key=name_key(name))
            audit.insert_entry(tx, actor, audit.ACCOUNT_ADDED, subject=name, detail={"role": role}, at=self.now())

        self.db.write(insert)
        return StaffUser(name, role)

    def set_password(self, name: str, password: str, *, actor: str = "system") -> None:
        """Give an account a new password; it also lifts a lock on the name. Raises ``UnknownAccountError``."""
        stored = self.require(name)
        passwords.check_password(password, name=stored.name, min_chars=self.settings.staff_password_min_chars,
                                 min_score=self.settings.staff_password_min_score)
        hashed = self.hasher.hash(password)

        def update(tx: Tx) -> None:
            self._require_admin(tx, actor)
            tx.run("UPDATE staff_accounts SET password_hash = :hash, password_changed_at = :now WHERE name = :name", hash=hashed, now=iso_time(self.now()), name=stored.name)
            tx.run("DELETE FROM login_lockouts WHERE name = :key", key=name_key(stored.name))
            audit.insert_entry(tx, actor, audit.ACCOUNT_PASSWORD_SET, subject=stored.name, at=self.now())

        self.db.write(update)

    def disable(self, name: str, *, actor: str = "system") -> None:
        """Refuse every further login of the account (its history stays). Raises ``UnknownAccountError``."""
        self._set_disabled(name, True, actor)

    def enable(self, name: str, *, actor: str = "system") -> None:
        """Allow a disabled account to log in again. Raises ``UnknownAccountError``."""
        self._set_disabled(name, False, actor)

    def unlock(self, name: str, *, actor: str = "system") -> None:
        """Lift a lock on a name (account or not) and forget its wrong passwords."""
        key = name_key(name)

        def delete(tx: Tx) -> None:
            self._require_admin(tx, actor)
            tx.run("DELETE FROM login_lockouts WHERE name = :key", key=key)
            audit.insert_entry(tx, actor, audit.ACCOUNT_UNLOCKED, subject=key, at=self.now())

        self.db.write(delete)

    def _set_disabled(self, name: str, disabled: bool, actor: str) -> None:
        stored = self.require(name)

        def update(tx: Tx) -> None:
            self._require_admin(tx, actor)
            tx.run("UPDATE staff_accounts SET disabled = :disabled WHERE name = :name", disabled=int(disabled), name=stored.name)
            action = audit.ACCOUNT_DISABLED if disabled else "account.enable"
            audit.insert_entry(tx, actor, action, subject=stored.name, at=self.now())

        self.db.write(update)

    def _require_admin(self, tx: Tx, actor: str) -> None:
        # checked in the change's own transaction, against the account as stored now (chatbot.store.permissions)
        require_role(tx, actor, ADMIN, legacy_password=self.legacy_password is not None)

    # --- reading -------------------------------------------------------------------------

    def list(self) -> list[AccountInfo]:
        """Every stored account, by name (the deprecated shared password is not one)."""
        now = self.now()

        def select(tx: Tx) -> list[AccountInfo]:
            rows = tx.all(
                "SELECT a.*, l.locked_until FROM staff_accounts a LEFT JOIN login_lockouts l ON l.name = lower(a.name) ORDER BY lower(a.name)"
            )
            return [_info(row, now) for row in rows]

        return self.db.read(select, empty=[])

    def get(self, name: str) -> AccountInfo | None:
        """The account called ``name`` (ignoring case), or None."""
        key = name_key(name)
        return next((info for info in self.list() if info.name.casefold() == key), None)

    def has_accounts(self) -> bool:
        return bool(self.db.read(lambda tx: tx.scalar("SELECT count(*) FROM staff_accounts"), empty=0))

    def require(self, name: str) -> AccountInfo:
        """The account called ``name`` (ignoring case); raises ``UnknownAccountError`` saying how to list them."""
        found = self.get(name)
        if found is None:
            hint = (
                "; the shared CHATBOT_STAFF_PASSWORD admin is not a stored account: create it with "
                "`chatbot staff add admin --role admin`"
                if name_key(name) == LEGACY_ADMIN and self.legacy_password
                else "; `chatbot staff list` shows the accounts"
            )
            raise UnknownAccountError(f"there is no staff account named {name.strip()!r}{hint}")
        return found


# --- helpers -----------------------------------------------------------------------------------


def _info(row, now: datetime) -> AccountInfo:
    return AccountInfo(
        name=row["name"],
        role=row["role"],
        disabled=bool(row["disabled"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        last_login_at=parse_time(row["last_login_at"]),
        password_changed_at=parse_time(row["password_changed_at"]),
        locked_until=active_lock(row, now),
        password_version=hashlib.sha256(row["password_hash"].encode("ascii")).hexdigest()[:16],
    )
