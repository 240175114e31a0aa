"""Named staff accounts: argon2 password hashes, roles, login lockout.

Accounts live in the clinic's database (``chatbot.store.database``: SQLite or PostgreSQL) in tables of their
own: ``staff_accounts`` (one row per account), ``login_attempts`` (every login attempt: name,
time, outcome) and ``login_lockouts`` (wrong passwords in a row per name, and until when the
name is locked). Because the lock is in the database, it holds for every app process and the
command line alike.

Roles, each able to do what the one before can:

- ``editor`` drafts answers;
- ``clinician`` also approves them;
- ``admin`` also manages accounts.

After ``staff_lockout_attempts`` wrong passwords in a row for a name, the name is locked for
``staff_lockout_minutes``. A name that has no account is counted and locked the same way, and
gets the same message as a wrong password, so trying names reveals nothing. Every login, and
every change to an account, is written to the audit log (``chatbot.store.audit``) in the same
transaction as the change.

``CHATBOT_STAFF_PASSWORD`` (deprecated) still logs in as one ``admin`` account named ``admin``
while no stored account has that name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chatbot.errors import (
    AccountDisabledError,
    AccountError,
    AccountLockedError,
    AccountStoreError,
    DuplicateAccountError,
    LoginError,
    UnknownAccountError,
    UnknownRoleError,
    WrongPasswordError,
)
from chatbot.settings import Settings
from chatbot.store import audit, passwords
from chatbot.store.database import Database, Tx
from chatbot.store.passwords import MAX_PASSWORD_CHARS

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
    password_version: str = ""
    """A digest of the (salted) hash: it changes with every new password, so a session can tell."""

    @property
    def status(self) -> str:
        if self.disabled:
            return "disabled"
        if self.locked_until is not None:
            return f"locked until {format_time(self.locked_until)}"
        return "active"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """``14:05 UTC`` for today, ``2026-12-03 14:05 UTC`` otherwise: what a lock message shows."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%H:%M UTC" if moment.date() == utc_now().date() else "%Y-%m-%d %H:%M UTC")


class AccountStore:
    """Creates, checks and changes staff accounts in the clinic's database.

    Cheap to create; opens a connection per call. ``clock`` (returning an aware UTC datetime)
    replaces the real time, so a test can let a lock expire without waiting.
    Database problems raise ``AccountStoreError``; nothing is half-written.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.db = Database(settings, what="the staff accounts", error=AccountStoreError)
        self.max_failures = max(1, settings.staff_lockout_attempts)
        self.lock_time = timedelta(minutes=settings.staff_lockout_minutes)
        self._clock = clock
        self.hasher = passwords.hasher(settings.staff_hash_memory_kib, settings.staff_hash_passes)

    def now(self) -> datetime:
        return self._clock() if self._clock else utc_now()

    # --- managing accounts -------------------------------------------------------------

    def add(self, name: str, password: str, *, role: str, actor: str = "system") -> StaffUser:
        """Create an account. Raises ``AccountError`` subclasses for a bad name, role or password, or a taken name."""
        name = check_name(name)
        role = check_role(role)
        passwords.check_password(password, name=name, min_chars=self.settings.staff_password_min_chars)
        hashed = self.hasher.hash(password)
        now = _iso(self.now())

        def insert(tx: Tx) -> None:
            taken = tx.one("SELECT name FROM staff_accounts WHERE lower(name) = :key", key=_key(name))
            if taken:
                raise DuplicateAccountError(
                    f"an account named {taken['name']!r} already exists (names ignore case); pick another name, "
                    f"or change its password with `chatbot staff set-password {taken['name']}`"
                )
            tx.run(
                "INSERT INTO staff_accounts (name, role, password_hash, created_at, password_changed_at) VALUES (:name, :role, :hash, :now, :now)",
                name=name, role=role, hash=hashed, now=now,
            )
            tx.run("DELETE FROM login_lockouts WHERE name = :key", key=_key(name))
            audit.insert_entry(tx, actor, audit.ACCOUNT_ADDED, subject=name, detail={"role": role}, at=self.now())

        self.db.write(insert)
        return StaffUser(name, role)

    def set_password(self, name: str, password: str, *, actor: str = "system") -> None:
        """Give an account a new password; it also lifts a lock on the name. Raises ``UnknownAccountError``."""
        stored = self.require(name)
        passwords.check_password(password, name=stored.name, min_chars=self.settings.staff_password_min_chars)
        hashed = self.hasher.hash(password)

        def update(tx: Tx) -> None:
            tx.run("UPDATE staff_accounts SET password_hash = :hash, password_changed_at = :now WHERE name = :name", hash=hashed, now=_iso(self.now()), name=stored.name)
            tx.run("DELETE FROM login_lockouts WHERE name = :key", key=_key(stored.name))
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
        key = _key(name)

        def delete(tx: Tx) -> None:
            tx.run("DELETE FROM login_lockouts WHERE name = :key", key=key)
            audit.insert_entry(tx, actor, audit.ACCOUNT_UNLOCKED, subject=key, at=self.now())

        self.db.write(delete)

    def _set_disabled(self, name: str, disabled: bool, actor: str) -> None:
        stored = self.require(name)

        def update(tx: Tx) -> None:
            tx.run("UPDATE staff_accounts SET disabled = :disabled WHERE name = :name", disabled=int(disabled), name=stored.name)
            action = audit.ACCOUNT_DISABLED if disabled else "account.enable"
            audit.insert_entry(tx, actor, action, subject=stored.name, at=self.now())

        self.db.write(update)

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
        key = _key(name)
        return next((info for info in self.list() if info.name.casefold() == key), None)

    def has_accounts(self) -> bool:
        return bool(self.db.read(lambda tx: tx.scalar("SELECT count(*) FROM staff_accounts"), empty=0))

    @property
    def legacy_password(self) -> str | None:
        """The deprecated shared password, when it is set."""
        return self.settings.staff_password or None

    def require(self, name: str) -> AccountInfo:
        """The account called ``name`` (ignoring case); raises ``UnknownAccountError`` saying how to list them."""
        found = self.get(name)
        if found is None:
            hint = (
                "; the shared CHATBOT_STAFF_PASSWORD admin is not a stored account: create it with "
                "`chatbot staff add admin --role admin`"
                if _key(name) == LEGACY_ADMIN and self.legacy_password
                else "; `chatbot staff list` shows the accounts"
            )
            raise UnknownAccountError(f"there is no staff account named {name.strip()!r}{hint}")
        return found

    # --- logging in ------------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> StaffUser:
        """The staff member, when ``password`` is right for ``name`` and the name is not locked.

        Raises ``WrongPasswordError`` (wrong password or no such name; says how many tries are
        left), ``AccountLockedError`` (says until when), ``AccountDisabledError``, ``LoginError``
        for an empty name or password, and ``AccountStoreError`` when the database fails.
        Every attempt with a name and a password is recorded, with its outcome.
        """
        name, password = (name or "").strip(), password or ""
        if not name and self.legacy_password:
            name = LEGACY_ADMIN
        if not name:
            raise LoginError("enter your staff name (the one an admin created with `chatbot staff add`)")
        if not password:
            raise LoginError("enter your password")
        key = _key(name)[: MAX_NAME_CHARS * 2]
        account, locked_until = self._login_state(key)
        if locked_until is not None:
            self._record(key, outcome="locked", detail={"until": _iso(locked_until)})
            raise self._locked(locked_until)

        if account is not None:
            ok = len(password) <= MAX_PASSWORD_CHARS and passwords.verify(self.hasher, account["password_hash"], password)
            user = StaffUser(account["name"], account["role"])
        elif key == LEGACY_ADMIN and self.legacy_password:
            ok = hmac.compare_digest(password.encode("utf-8"), self.legacy_password.encode("utf-8"))
            user = StaffUser(LEGACY_ADMIN, ADMIN, legacy=True)
        else:
            passwords.verify(self.hasher, passwords.dummy_hash(self.hasher), password[:MAX_PASSWORD_CHARS])  # the same work as a real check, so timing reveals nothing
            ok, user = False, None

        if not ok:
            known = account is not None or (key == LEGACY_ADMIN and self.legacy_password is not None)
            self._fail(key, reason="wrong_password" if known else "unknown_name")
        assert user is not None
        if account is not None and account["disabled"]:
            self._record(key, outcome="disabled", detail={})
            raise AccountDisabledError(
                f"the account {user.name!r} is disabled; ask a clinic admin to enable it again (`chatbot staff enable {user.name}`)"
            )
        self._succeed(key, user, rehash=account is not None and self.hasher.check_needs_rehash(account["password_hash"]), password=password)
        return user

    def _login_state(self, key: str) -> tuple[Any, datetime | None]:
        now = self.now()

        def select(tx: Tx) -> tuple[Any, datetime | None]:
            account = tx.one("SELECT * FROM staff_accounts WHERE lower(name) = :key", key=key)
            lock = tx.one("SELECT locked_until FROM login_lockouts WHERE name = :key", key=key)
            return account, _active_lock(lock, now)

        return self.db.read(select, empty=(None, None))

    def _fail(self, key: str, *, reason: str) -> None:
        now = self.now()

        def count(tx: Tx) -> tuple[int, datetime | None, bool]:
            row = tx.one("SELECT failures, locked_until FROM login_lockouts WHERE name = :key", key=key)
            already = _active_lock(row, now)
            if already is not None:  # another session locked it while this password was being checked
                _attempt(tx, key, now, "locked")
                audit.insert_entry(tx, key, audit.LOGIN_LOCKED, subject=key, detail={"until": _iso(already)}, at=now)
                return 0, already, False
            failures = (row["failures"] if row and row["locked_until"] is None else 0) + 1
            until = now + self.lock_time if failures >= self.max_failures else None
            tx.run(
                "INSERT INTO login_lockouts (name, failures, locked_until) VALUES (:key, :failures, :until) "
                "ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until",
                key=key, failures=failures, until=_iso(until) if until else None,
            )
            _attempt(tx, key, now, reason)
            detail = {"reason": reason, "tries_left": max(0, self.max_failures - failures)}
            if until:
                detail["locked_until"] = _iso(until)
            audit.insert_entry(tx, key, audit.LOGIN_FAILED, subject=key, detail=detail, at=now)
            return self.max_failures - failures, until, until is not None

        tries_left, until, just_now = self.db.write(count)
        if until is not None:
            raise self._locked(until, just_now=just_now)
        raise WrongPasswordError(
            f"that name and password are not right; {tries_left} {'try' if tries_left == 1 else 'tries'} left before the name "
            f"is locked for {_minutes(self.lock_time)}",
            tries_left=tries_left,
        )

    def _succeed(self, key: str, user: StaffUser, *, rehash: bool, password: str) -> None:
        now = self.now()
        new_hash = self.hasher.hash(password) if rehash else None

        def store(tx: Tx) -> datetime | None:
            row = tx.one("SELECT failures, locked_until FROM login_lockouts WHERE name = :key", key=key)
            already = _active_lock(row, now)
            if already is not None:
                _attempt(tx, key, now, "locked")
                audit.insert_entry(tx, key, audit.LOGIN_LOCKED, subject=key, detail={"until": _iso(already)}, at=now)
                return already
            tx.run("DELETE FROM login_lockouts WHERE name = :key", key=key)
            tx.run("UPDATE staff_accounts SET last_login_at = :now WHERE name = :name", now=_iso(now), name=user.name)
            if new_hash:
                tx.run("UPDATE staff_accounts SET password_hash = :hash WHERE name = :name", hash=new_hash, name=user.name)
            _attempt(tx, key, now, "ok")
            audit.insert_entry(tx, user.name, audit.LOGIN, subject=user.name, detail={"role": user.role, "shared_password": user.legacy}, at=now)
            return None

        locked = self.db.write(store)
        if locked is not None:
            raise self._locked(locked)

    def _record(self, key: str, *, outcome: str, detail: dict) -> None:
        now = self.now()
        action = audit.LOGIN_LOCKED if outcome == "locked" else audit.LOGIN_DISABLED

        def insert(tx: Tx) -> None:
            _attempt(tx, key, now, outcome)
            audit.insert_entry(tx, key, action, subject=key, detail=detail, at=now)

        self.db.write(insert)

    def _locked(self, until: datetime, *, just_now: bool = False) -> AccountLockedError:
        why = (
            f"that name and password are not right, and that was the {self.max_failures}th wrong password in a row"
            if just_now
            else f"this name is locked after {self.max_failures} wrong passwords in a row"
        )
        return AccountLockedError(
            f"{why}: the name is locked until {format_time(until)} ({_minutes(self.lock_time)}). "
            "Wait until then, or ask a clinic admin to set a new password (`chatbot staff set-password NAME`)",
            until=until,
        )

    def attempts(self, name: str | None = None, *, limit: int = 100) -> list[tuple[str, datetime, bool, str]]:
        """The latest login attempts (name, time, success, outcome), newest first."""
        sql = "SELECT * FROM login_attempts" + (" WHERE name = :key" if name is not None else "") + " ORDER BY id DESC LIMIT :limit"
        params = {"key": _key(name) if name is not None else None, "limit": limit}
        return self.db.read(
            lambda tx: [(r["name"], datetime.fromisoformat(r["at"]), bool(r["success"]), r["outcome"]) for r in tx.all(sql, **params)],
            empty=[],
        )


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


# --- helpers -----------------------------------------------------------------------------------


def _key(name: str) -> str:
    return (name or "").strip().casefold()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _minutes(span: timedelta) -> str:
    minutes = span.total_seconds() / 60
    return f"{minutes:g} minute{'' if minutes == 1 else 's'}"


def _active_lock(row, now: datetime) -> datetime | None:
    until = _parse(row["locked_until"]) if row else None
    return until if until is not None and until > now else None


def _attempt(tx: Tx, key: str, now: datetime, outcome: str) -> None:
    tx.run(
        "INSERT INTO login_attempts (name, at, success, outcome) VALUES (:key, :at, :success, :outcome)",
        key=key, at=_iso(now), success=int(outcome == "ok"), outcome=outcome,
    )


def _info(row, now: datetime) -> AccountInfo:
    return AccountInfo(
        name=row["name"],
        role=row["role"],
        disabled=bool(row["disabled"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        last_login_at=_parse(row["last_login_at"]),
        password_changed_at=_parse(row["password_changed_at"]),
        locked_until=_active_lock(row, now),
        password_version=hashlib.sha256(row["password_hash"].encode("ascii")).hexdigest()[:16],
    )
