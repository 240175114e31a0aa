"""Logging in with a staff account: the password check, the record of every attempt, and the lockout.

``Logins`` is the logging-in half of ``AccountStore`` (``chatbot.store.accounts``): a name is
locked after ``staff_lockout_attempts`` wrong passwords in a row, a name without an account is
counted the same way, and the deprecated ``CHATBOT_STAFF_PASSWORD`` still logs in as ``admin``.
Every attempt goes to ``login_attempts`` and to the audit log in the same transaction.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from chatbot.errors import AccountDisabledError, AccountLockedError, LoginError, WrongPasswordError
from chatbot.settings import Settings
from chatbot.store import audit, passwords, staff
from chatbot.store.connection import Tx
from chatbot.store.database import Database
from chatbot.store.passwords import MAX_PASSWORD_CHARS
from chatbot.store.staff import ADMIN, LEGACY_ADMIN, MAX_NAME_CHARS, StaffUser, active_lock, format_time, iso_time, name_key


class Logins:
    """Checks logins against the staff accounts; ``AccountStore`` sets the attributes below."""

    settings: Settings
    db: Database
    hasher: PasswordHasher
    max_failures: int
    lock_time: timedelta
    _clock: Callable[[], datetime] | None

    def now(self) -> datetime:
        # staff.utc_now is looked up at each call, so a test that replaces it moves this clock too
        return self._clock() if self._clock else staff.utc_now()

    @property
    def legacy_password(self) -> str | None:
        """The deprecated shared password, when it is set."""
        return self.settings.staff_password or None

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
        key = name_key(name)[: MAX_NAME_CHARS * 2]
        account, locked_until = self._login_state(key)
        if locked_until is not None:
            self._record(key, outcome="locked", detail={"until": iso_time(locked_until)})
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
            return account, active_lock(lock, now)

        return self.db.read(select, empty=(None, None))

    def _fail(self, key: str, *, reason: str) -> None:
        now = self.now()

        def count(tx: Tx) -> tuple[int, datetime | None, bool]:
            row = tx.one("SELECT failures, locked_until FROM login_lockouts WHERE name = :key", key=key)
            already = active_lock(row, now)
            if already is not None:  # another session locked it while this password was being checked
                _attempt(tx, key, now, "locked")
                audit.insert_entry(tx, key, audit.LOGIN_LOCKED, subject=key, detail={"until": iso_time(already)}, at=now)
                return 0, already, False
            failures = (row["failures"] if row and row["locked_until"] is None else 0) + 1
            until = now + self.lock_time if failures >= self.max_failures else None
            tx.run(
                "INSERT INTO login_lockouts (name, failures, locked_until) VALUES (:key, :failures, :until) "
                "ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until",
                key=key, failures=failures, until=iso_time(until) if until else None,
            )
            _attempt(tx, key, now, reason)
            detail = {"reason": reason, "tries_left": max(0, self.max_failures - failures)}
            if until:
                detail["locked_until"] = iso_time(until)
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
            already = active_lock(row, now)
            if already is not None:
                _attempt(tx, key, now, "locked")
                audit.insert_entry(tx, key, audit.LOGIN_LOCKED, subject=key, detail={"until": iso_time(already)}, at=now)
                return already
            tx.run("DELETE FROM login_lockouts WHERE name = :key", key=key)
            tx.run("UPDATE staff_accounts SET last_login_at = :now WHERE name = :name", now=iso_time(now), name=user.name)
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
        params = {"key": name_key(name) if name is not None else None, "limit": limit}
        return self.db.read(
            lambda tx: [(r["name"], datetime.fromisoformat(r["at"]), bool(r["success"]), r["outcome"]) for r in tx.all(sql, **params)],
            empty=[],
        )


# --- helpers -----------------------------------------------------------------------------------


def _minutes(span: timedelta) -> str:
    minutes = span.total_seconds() / 60
    return f"{minutes:g} minute{'' if minutes == 1 else 's'}"


def _attempt(tx: Tx, key: str, now: datetime, outcome: str) -> None:
    tx.run(
        "INSERT INTO login_attempts (name, at, success, outcome) VALUES (:key, :at, :success, :outcome)",
        key=key, at=iso_time(now), success=int(outcome == "ok"), outcome=outcome,
    )
