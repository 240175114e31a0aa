"""The clinic's database: one store for feedback, staff accounts, the audit log and the reviewed answers.

``CHATBOT_DATABASE_URL`` chooses it. The default, ``sqlite:///data/chatbot.sqlite3``, is an
embedded file in WAL mode, for one app instance. ``postgresql+psycopg://user:password@host:5432/db``
is a PostgreSQL server that every app instance shares, so an approval or a lockout made on one
instance holds on all of them. The tables are ``chatbot.store.schema``; they are created or migrated
(Alembic, ``chatbot.store.migrate``) the first time a process uses the store, and by
``chatbot db upgrade``. A ``data/feedback.sqlite3`` left by an earlier release is imported once
into a new, empty default database (``chatbot db import`` does it by hand, into any database).

Every operation is one short transaction, committed together or not at all:

* on SQLite each write takes the file's write lock up front (``BEGIN IMMEDIATE``) and is retried
  a few times (``feedback_write_attempts``) while another writer holds it;
* on PostgreSQL the staff writes (accounts, reviews, audit) are serialised by one advisory lock,
  which gives them the same guarantees, and an operation that loses its connection (a server
  restart) or meets a serialisation failure is retried until ``database_retry_seconds`` have passed.

A problem raises the error class given (``FeedbackStoreError``, ``AccountStoreError``...) with
one line saying what to do: a wrong password, an unreachable host, a full disk, a read-only file.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from chatbot.errors import ChatbotError, SettingsError
from chatbot.settings import Settings
from chatbot.store.connection import (
    SETTING,
    STAFF_LOCK,
    Tx,
    connected,
    database_url,
    describe,
    engine_for,
    first_line,
    lock,
    read_only,
    ready,
    sqlite_busy,
    transient,
)
from chatbot.store.migrate import has_tables, revision, upgrade

log = logging.getLogger(__name__)

T = TypeVar("T")


def create_private(path: Path) -> None:
    """Create an empty SQLite file readable by its owner only (0600), unless it exists already.

    Client questions are health data: other local users must not read them. SQLite gives the
    ``-wal`` and ``-shm`` files it creates next to it the same mode. An empty file is a valid database.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # an unwritable folder: the connection says so, in words (Database._message)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
    finally:
        os.close(fd)


# --- the store ----------------------------------------------------------------------------


class Database:
    """The settings' database, for the tables of one part of the app.

    Cheap to create; one instance can be shared between threads. ``what`` names the data in
    messages ("the staff accounts"); ``error`` is the exception raised.
    """

    def __init__(self, settings: Settings, *, what: str, error: type[ChatbotError]) -> None:
        self.settings = settings
        self.what = what
        self.error = error
        try:
            self.url = database_url(settings)
        except SettingsError as exc:
            raise error(str(exc)) from None
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.path = Path(self.url.database) if self.sqlite else None
        self.attempts = max(1, settings.feedback_write_attempts)
        self.retry_seconds = max(0.0, settings.database_retry_seconds)

    @property
    def where(self) -> str:
        return f"{describe(self.url)} (which holds {self.what})"

    def exists(self) -> bool:
        """Whether there can be anything to read: a SQLite file that exists, or any server."""
        return not self.sqlite or self.path.exists()

    def write(self, operation: Callable[[Tx], T], *, serial: bool = True) -> T:
        """Run ``operation`` in one transaction and commit it; retried as a whole when the database is busy or restarting.

        ``serial``: run one at a time with every other serial write, across processes (the staff
        writes; on SQLite every write is). Feedback inserts and ratings pass False.
        """
        if self.sqlite:
            self._ensure_folder()
        return self._run(operation, write=True, serial=serial)

    def read(self, operation: Callable[[Tx], T], *, empty: T) -> T:
        """``operation``'s result, or ``empty`` when the SQLite file does not exist yet (reading never creates it)."""
        if not self.exists():
            return empty
        return self._run(operation, write=False, serial=False, empty=empty)

    def upgrade(self) -> str:
        """Create or migrate the tables now; the revision the database is at."""
        if self.sqlite:
            self._ensure_folder()
        return self._run(lambda tx: revision(tx), write=True, serial=False)

    # --- plumbing ------------------------------------------------------------------

    def _run(self, operation: Callable[[Tx], T], *, write: bool, serial: bool, empty: Any = None) -> T:
        from sqlalchemy.exc import DBAPIError, SQLAlchemyError

        engine = self._engine()
        started, delay, attempt = time.monotonic(), 0.05, 0
        while True:
            attempt += 1
            try:
                if not self._prepare(engine, write=write):
                    return empty
                with engine.connect().execution_options(write=write) as conn, conn.begin():
                    if serial and not self.sqlite:
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({STAFF_LOCK})")
                    return operation(Tx(conn))
            except ChatbotError:
                raise
            except DBAPIError as exc:
                if self._replaced(exc, attempt):
                    continue  # the file was removed and made again (same inode number): create the tables anew
                if not self._retry(exc, attempt, started):
                    raise self._error(exc, "write" if write else "read") from None
                log.warning("%s: %s; retrying (attempt %d)", describe(self.url), first_line(exc), attempt)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except SQLAlchemyError as exc:
                raise self._error(exc, "write" if write else "read") from None

    def _replaced(self, exc, attempt: int) -> bool:
        """Whether a SQLite file lost its tables since this process migrated it; if so, forget that it did.

        A file deleted and created again can get the same inode number, so the ready key alone
        does not see it.
        """
        if not self.sqlite or attempt > 1 or "no such table" not in first_line(exc).lower():
            return False
        with lock:
            ready.discard(self._ready_key())
        return True

    def _retry(self, exc, attempt: int, started: float) -> bool:
        if self.sqlite:
            return sqlite_busy(exc) and attempt < self.attempts
        if not transient(exc):
            return False
        if self.url.render_as_string(hide_password=False) not in connected:
            return False  # never reached the server: a wrong host or port, said at once rather than after the retries
        return time.monotonic() - started < self.retry_seconds

    def _engine(self):
        try:
            return engine_for(self.settings)
        except SettingsError as exc:
            raise self.error(str(exc)) from None

    def _prepare(self, engine, *, write: bool) -> bool:
        """Create or migrate the tables once per process (and per file). False: nothing to read yet."""
        key = self._ready_key()
        if key in ready:
            return True
        with lock:
            if self._ready_key() in ready:
                return True
            try:
                upgrade(engine, self.settings)
            except Exception as exc:
                from alembic.util import CommandError
                from sqlalchemy.exc import DBAPIError

                if isinstance(exc, CommandError):  # e.g. a revision this release does not know
                    raise self.error(
                        f"{self.where} cannot be migrated ({exc}); it may have been written by a newer release of the app: "
                        f"run that release, or set {SETTING} to another database"
                    ) from None
                if write or not isinstance(exc, DBAPIError) or not read_only(exc):
                    raise
                return has_tables(engine)  # a read-only copy: read what is there
            ready.add(self._ready_key())
        return True

    def _ready_key(self) -> tuple:
        url = self.url.render_as_string(hide_password=False)
        if not self.sqlite:
            return (url,)
        try:
            stat = os.stat(self.path)
        except OSError:
            return (url, None)
        return (url, stat.st_ino, stat.st_dev)

    def _ensure_folder(self) -> None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the mode applies to folders it creates
        except OSError as exc:
            raise self.error(
                f"cannot create the folder {self.path.parent} for the database of {self.what} ({exc.strerror or exc}); "
                f"set {SETTING} to a file in a writable folder"
            ) from None
        if self.path.is_dir():
            raise self.error(f"the database path {self.path} is a folder; set {SETTING} to sqlite:///path/to/a/file.sqlite3")
        create_private(self.path)

    def _error(self, exc: Exception, action: str) -> ChatbotError:
        return self.error(self._message(exc, action))

    def _message(self, exc: Exception, action: str) -> str:
        text = first_line(exc).lower()
        where = self.where
        if self.sqlite:
            if "full" in text:
                return f"{where} is full (the disk is full); free some space on it; nothing was changed"
            if read_only(exc):
                return f"{where} is read-only, so nothing was changed; make the file and its folder writable, or set {SETTING} to a writable path"
            if "not a database" in text or "malformed" in text or "no such table" in text:
                return f"{where} is not a database (or is damaged); move it aside or set {SETTING} to another path"
            if "unable to open" in text:
                return f"cannot open {where}; check that its folder exists and is writable, or set {SETTING}"
            if sqlite_busy(exc):
                return f"{where} is locked by another program and stayed busy for {self.attempts} tries, so nothing was changed; try again in a moment"
            return f"cannot {action} {where} ({first_line(exc)}); check the file or set {SETTING}"
        user = self.url.username or "(no user)"
        if "password authentication failed" in text or "no password supplied" in text:
            return f"{where} refused the password of user {user!r}; check the user and password in {SETTING}"
        if "role" in text and "does not exist" in text:
            return f"{where} has no user {user!r}; create it (createuser) or fix the user in {SETTING}"
        if "database" in text and "does not exist" in text:
            return f"{where} does not exist on that server; create it (createdb {self.url.database}) or fix the name in {SETTING}"
        if "could not translate host name" in text or "name or service not known" in text or "nodename nor servname" in text:
            return f"cannot find the host {self.url.host!r} of {where}; fix the host in {SETTING}"
        if "no space left" in text or "could not extend file" in text or "disk full" in text:
            return f"{where} is full (the server's disk); free space on the database server; nothing was changed"
        if "read-only transaction" in text or "read only" in text:
            return f"{where} is read-only (a standby?), so nothing was changed; point {SETTING} at the primary server"
        if "permission denied" in text:
            return f"user {user!r} may not {action} {where} ({first_line(exc)}); grant it the rights or use the owner in {SETTING}"
        if transient(exc):
            if self.url.render_as_string(hide_password=False) not in connected:
                return f"cannot reach {where}; check that PostgreSQL is running there and the host and port in {SETTING}"
            return (f"{where} stopped answering (restarting?) and was not back within {self.retry_seconds:g} s, so nothing was changed; "
                    "try again in a moment")
        return f"cannot {action} {where} ({first_line(exc)}); check the server and {SETTING}"
