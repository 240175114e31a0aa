"""Logging in with a staff account: the password check, the record of every attempt, and the slow-down.

``Logins`` is the logging-in half of ``AccountStore`` (``chatbot.store.accounts``).

* **Per name.** After ``staff_lockout_attempts`` wrong passwords in a row for a name, the next
  try for that name waits ``login_slowdown_first_seconds`` (2 s), twice as long after each further
  wrong one, at most ``login_slowdown_max_seconds`` (60 s). A visitor can slow a name down, but
  never lock its owner out for long; a guesser gets at most about 70 tries an hour.
* **Per client.** The same growing delays apply to one client address after
  ``login_client_attempts`` wrong logins in a row, whatever names it tries.
* **At once.** At most ``login_concurrent_checks`` argon2 checks (64 MiB each) run in a process;
  the others wait, then are told to try again (``LoginBusyError``, not counted).
* **Names without an account** are slowed down the same way and get the same messages, so trying
  names reveals nothing; but they leave no permanent row: only a daily count in
  ``login_counters``, an audit entry that expires after ``login_unknown_audit_days`` and a
  ``login_lockouts`` row deleted ``login_forget_minutes`` after its last wrong password.

Attempts with an account's name go to ``login_attempts`` and to the audit log in the same
transaction. The deprecated ``CHATBOT_STAFF_PASSWORD`` still logs in as ``admin`` while it passes
the password policy and no stored account has that name.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from chatbot.errors import AccountDisabledError, AccountLockedError, LoginError, WeakPasswordError, WrongPasswordError
from chatbot.settings import Settings
from chatbot.store import audit, passwords, staff
from chatbot.store.connection import Tx
from chatbot.store.database import Database
from chatbot.store.passwords import MAX_PASSWORD_CHARS
from chatbot.store.staff import ADMIN, LEGACY_ADMIN, MAX_NAME_CHARS, StaffUser, active_lock, iso_time, name_key


class Logins:
    """Checks logins against the staff accounts; ``AccountStore`` sets the attributes below."""

    settings: Settings
    db: Database
    hasher: PasswordHasher
    max_failures: int
    _clock: Callable[[], datetime] | None

    def now(self) -> datetime:
        # staff.utc_now is looked up at each call, so a test that replaces it moves this clock too
        return self._clock() if self._clock else staff.utc_now()

    @property
    def legacy_password(self) -> str | None:
        """The deprecated shared password, when it is set."""
        return self.settings.staff_password or None

    # --- logging in ------------------------------------------------------------------------

    def authenticate(self, name: str, password: str, *, client: str | None = None) -> StaffUser:
        """The staff member, when ``password`` is right for ``name`` and no slow-down is running.

        ``client`` is the address the attempt comes from (the pages pass the browser's), for the
        per-client slow-down. Raises ``WrongPasswordError`` (wrong password or no such name; says
        how many tries are left before the slow-down), ``AccountLockedError`` (too many wrong
        passwords: says when the next try is possible), ``AccountDisabledError``, ``LoginBusyError``
        (too many checks at once; not counted), ``LoginError`` for an empty name or password or a
        weak shared password, and ``AccountStoreError`` when the database fails.
        """
        name, password = (name or "").strip(), password or ""
        if not name and self.legacy_password:
            name = LEGACY_ADMIN
        if not name:
            raise LoginError("enter your staff name (the one an admin created with `chatbot staff add`)")
        if not password:
            raise LoginError("enter your password")
        key = name_key(name)[: MAX_NAME_CHARS * 2]
        client_key = "client:" + hashlib.sha256(client.encode("utf-8")).hexdigest()[:16] if client else None
        account, wait_until, client_wait = self._login_state(key, client_key)
        known = account is not None or (key == LEGACY_ADMIN and self.legacy_password is not None)
        if wait_until is not None or client_wait is not None:
            self._record(key, known=known, outcome="slowed" if wait_until else "client_slowed", detail={})
            raise self._slowed(max(w for w in (wait_until, client_wait) if w is not None), by_client=wait_until is None)

        with passwords.checking(self.settings.login_concurrent_checks, self.settings.login_wait_seconds):
            if account is not None:
                ok = len(password) <= MAX_PASSWORD_CHARS and passwords.verify(self.hasher, account["password_hash"], password)
                user = StaffUser(account["name"], account["role"])
            elif known:
                self._check_shared_password()
                ok = hmac.compare_digest(password.encode("utf-8"), (self.legacy_password or "").encode("utf-8"))
                user = StaffUser(LEGACY_ADMIN, ADMIN, legacy=True)
            else:
                passwords.verify(self.hasher, passwords.dummy_hash(self.hasher), password[:MAX_PASSWORD_CHARS])  # the same work as a real check
                ok, user = False, None

        if not ok:
            self._fail(key, client_key, known=known)
        assert user is not None
        if account is not None and account["disabled"]:
            self._record(key, known=True, outcome="disabled", detail={})
            raise AccountDisabledError(
                f"the account {user.name!r} is disabled; ask a clinic admin to enable it again (`chatbot staff enable {user.name}`)"
            )
        self._succeed(key, client_key, user, rehash=account is not None and self.hasher.check_needs_rehash(account["password_hash"]),
                      password=password)
        return user

    def _check_shared_password(self) -> None:
        try:
            passwords.check_shared_password(self.legacy_password, min_chars=self.settings.staff_password_min_chars,
                                            min_score=self.settings.staff_password_min_score)
        except WeakPasswordError as exc:
            raise LoginError(f"the shared staff password is switched off: {exc}") from None

    def _login_state(self, key: str, client_key: str | None) -> tuple[Any, datetime | None, datetime | None]:
        now = self.now()

        def select(tx: Tx) -> tuple[Any, datetime | None, datetime | None]:
            account = tx.one("SELECT * FROM staff_accounts WHERE lower(name) = :key", key=key)
            wait = tx.one("SELECT locked_until FROM login_lockouts WHERE name = :key", key=key)
            client_wait = tx.one("SELECT locked_until FROM login_lockouts WHERE name = :key", key=client_key) if client_key else None
            return account, active_lock(wait, now), active_lock(client_wait, now)

        return self.db.read(select, empty=(None, None, None))

    def _delay(self, failures: int, free: int) -> timedelta | None:
        """How long the next try waits after ``failures`` wrong ones in a row (None while fewer than ``free``)."""
        if failures < free:
            return None
        first, most = self.settings.login_slowdown_first_seconds, self.settings.login_slowdown_max_seconds
        return timedelta(seconds=min(most, first * 2 ** min(failures - free, 30)))

    def _count(self, tx: Tx, key: str, free: int, now: datetime) -> tuple[int, datetime | None]:
        """Add a wrong password to ``key``'s row; returns its failures in a row and until when the next try waits."""
        row = tx.one("SELECT failures FROM login_lockouts WHERE name = :key", key=key)
        failures = (row["failures"] if row else 0) + 1
        delay = self._delay(failures, free)
        until = now + delay if delay else None
        tx.run(
            "INSERT INTO login_lockouts (name, failures, locked_until, last_failed_at) VALUES (:key, :failures, :until, :now) "
            "ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, "
            "last_failed_at = excluded.last_failed_at",
            key=key, failures=failures, until=iso_time(until) if until else None, now=iso_time(now),
        )
        return failures, until

    def _fail(self, key: str, client_key: str | None, *, known: bool) -> None:
        now = self.now()

        def count(tx: Tx) -> tuple[int, datetime | None]:
            _forget_old(tx, now, self.settings)
            failures, until = self._count(tx, key, self.max_failures, now)
            if client_key:
                self._count(tx, client_key, max(1, self.settings.login_client_attempts), now)
            detail = {"reason": "wrong_password" if known else "unknown_name", "tries_left": max(0, self.max_failures - failures)}
            if until:
                detail["next_try_at"] = iso_time(until)
            if known:
                _attempt(tx, key, now, "wrong_password")
            else:
                _tally(tx, now, "unknown_name")
            audit.insert_entry(tx, key, audit.LOGIN_FAILED, subject=key, detail=detail, at=now, expires_at=self._expiry(known, now))
            return self.max_failures - failures, until

        tries_left, until = self.db.write(count)
        if until is not None:
            raise self._slowed(until, just_now=True)
        raise WrongPasswordError(
            f"that name and password are not right; {tries_left} {'try' if tries_left == 1 else 'tries'} left before the next "
            f"tries are slowed down (at first {self.settings.login_slowdown_first_seconds:g} seconds apart)",
            tries_left=tries_left,
        )

    def _succeed(self, key: str, client_key: str | None, user: StaffUser, *, rehash: bool, password: str) -> None:
        now = self.now()
        new_hash = self.hasher.hash(password) if rehash else None

        def store(tx: Tx) -> None:
            tx.run("DELETE FROM login_lockouts WHERE name = :key OR name = :client", key=key, client=client_key or "")
            tx.run("UPDATE staff_accounts SET last_login_at = :now WHERE name = :name", now=iso_time(now), name=user.name)
            if new_hash:
                tx.run("UPDATE staff_accounts SET password_hash = :hash WHERE name = :name", hash=new_hash, name=user.name)
            _attempt(tx, key, now, "ok")
            audit.insert_entry(tx, user.name, audit.LOGIN, subject=user.name, detail={"role": user.role, "shared_password": user.legacy}, at=now)

        self.db.write(store)

    def _record(self, key: str, *, known: bool, outcome: str, detail: dict) -> None:
        now = self.now()
        action = audit.LOGIN_DISABLED if outcome == "disabled" else audit.LOGIN_LOCKED

        def insert(tx: Tx) -> None:
            if known:
                _attempt(tx, key, now, outcome)
            else:
                _tally(tx, now, outcome)
            audit.insert_entry(tx, key, action, subject=key, detail={**detail, "outcome": outcome}, at=now,
                               expires_at=self._expiry(known, now))

        self.db.write(insert)

    def _expiry(self, known: bool, now: datetime) -> datetime | None:
        return None if known else now + timedelta(days=self.settings.login_unknown_audit_days)

    def _slowed(self, until: datetime, *, just_now: bool = False, by_client: bool = False) -> AccountLockedError:
        seconds = max(1, round((until - self.now()).total_seconds()))
        if by_client:
            why = "there were too many wrong logins from this computer in a row"
        elif just_now:
            why = "that name and password are not right, and there have been too many wrong passwords for this name in a row"
        else:
            why = "there have been too many wrong passwords for this name in a row"
        return AccountLockedError(
            f"{why}: the next try is possible in {seconds} second{'' if seconds == 1 else 's'} (at {until:%H:%M:%S} UTC), and each "
            "further wrong password doubles the wait. Forgot it? Ask a clinic admin to set a new password (`chatbot staff set-password NAME`)",
            until=until,
        )

    def attempts(self, name: str | None = None, *, limit: int = 100) -> list[tuple[str, datetime, bool, str]]:
        """The latest login attempts with an account's name (name, time, success, outcome), newest first."""
        sql = "SELECT * FROM login_attempts" + (" WHERE name = :key" if name is not None else "") + " ORDER BY id DESC LIMIT :limit"
        params = {"key": name_key(name) if name is not None else None, "limit": limit}
        return self.db.read(
            lambda tx: [(r["name"], datetime.fromisoformat(r["at"]), bool(r["success"]), r["outcome"]) for r in tx.all(sql, **params)],
            empty=[],
        )

    def counters(self) -> dict[tuple[str, str], int]:
        """The daily counts of attempts that left no row of their own: (day, outcome) -> count."""
        rows = self.db.read(lambda tx: tx.all("SELECT * FROM login_counters"), empty=[])
        return {(r["day"], r["outcome"]): int(r["count"]) for r in rows}


# --- helpers -----------------------------------------------------------------------------------


def _attempt(tx: Tx, key: str, now: datetime, outcome: str) -> None:
    tx.run(
        "INSERT INTO login_attempts (name, at, success, outcome) VALUES (:key, :at, :success, :outcome)",
        key=key, at=iso_time(now), success=int(outcome == "ok"), outcome=outcome,
    )


def _tally(tx: Tx, now: datetime, outcome: str) -> None:
    tx.run(
        "INSERT INTO login_counters (day, outcome, count) VALUES (:day, :outcome, 1) "
        "ON CONFLICT (day, outcome) DO UPDATE SET count = login_counters.count + 1",
        day=iso_time(now)[:10], outcome=outcome,
    )


def _forget_old(tx: Tx, now: datetime, settings: Settings) -> None:
    """Delete slow-down rows idle for ``login_forget_minutes`` and audit entries past their expiry."""
    cutoff = iso_time(now - timedelta(minutes=settings.login_forget_minutes))
    tx.run("DELETE FROM login_lockouts WHERE COALESCE(last_failed_at, '') < :cutoff AND (locked_until IS NULL OR locked_until < :now)",
           cutoff=cutoff, now=iso_time(now))
    audit.delete_expired(tx, now)
