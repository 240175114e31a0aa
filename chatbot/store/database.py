"""The clinic's database: one store for feedback, staff accounts, the audit log and the reviewed answers.

``CHATBOT_DATABASE_URL`` chooses it. The default, ``sqlite:///data/chatbot.sqlite3``, is an
embedded file in WAL mode, for one app instance. ``postgresql+psycopg://user:password@host:5432/db``
is a PostgreSQL server that every app instance shares, so an approval or a lockout made on one
instance holds on all of them. The tables are ``chatbot.store.schema``; they are created or migrated
(Alembic, ``chatbot/store/migrations``) the first time a process uses the store, and by
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
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from chatbot.errors import ChatbotError, SettingsError
from chatbot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_URL = "sqlite:///data/chatbot.sqlite3"
LEGACY_FILE = Path("data/feedback.sqlite3")
"""Where releases before ``CHATBOT_DATABASE_URL`` kept everything; imported once into a new default database."""
SETTING = "CHATBOT_DATABASE_URL"
MIN_PAGES = 48
"""The smallest SQLite file the size limit allows (``feedback_max_mb=0``): the empty tables and a few records."""
_STAFF_LOCK = 727_011
"""PostgreSQL advisory lock taken by every staff write (accounts, reviews, audit), so they run one at a time."""
_TRANSIENT_STATES = {"40001", "40P01", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"}
_LOST_CONNECTION = (
    "server closed the connection", "terminating connection", "connection refused", "could not connect", "consuming input failed",
    "the database system is", "connection is lost", "no connection to the server", "connection timeout", "connection reset",
    "ssl syscall error", "lost synchronization", "the connection is closed",
)


# --- which database ----------------------------------------------------------------------


def database_url(settings: Settings):
    """The checked ``sqlalchemy.URL`` of the settings' database. Raises ``SettingsError`` for one that cannot be used."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    raw = settings.database_url or (f"sqlite:///{settings.feedback_db}" if settings.feedback_db else DEFAULT_URL)
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise SettingsError(
            f"{SETTING} is not a database URL; use sqlite:///path/to/file.sqlite3 or "
            "postgresql+psycopg://user:password@host:5432/database"
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        if url.drivername != "postgresql+psycopg":
            url = url.set(drivername="postgresql+psycopg")  # the one PostgreSQL driver installed
        if not url.database:
            raise SettingsError(f"{SETTING} names no database: add it after the host, e.g. postgresql+psycopg://chatbot:secret@db:5432/chatbot")
        return url
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise SettingsError(f"{SETTING} needs a file for SQLite, e.g. sqlite:///data/chatbot.sqlite3 (an in-memory database would lose everything)")
        return url
    raise SettingsError(f"{SETTING} uses {backend!r}; the store runs on sqlite:///FILE (the default) or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB")


def describe(url) -> str:
    """The database in words for messages, never with its password."""
    if url.get_backend_name() == "sqlite":
        return f"the database {url.database}"
    return f"the PostgreSQL database {url.database!r} at {url.host or 'localhost'}:{url.port or 5432}"


# --- engines: one per database and process ------------------------------------------------

_engines: dict[tuple, Any] = {}
_ready: set[tuple] = set()
_connected: set[str] = set()
_lock = threading.RLock()


def engine_for(settings: Settings):
    """The process's engine for the settings' database (created once; safe to share between threads)."""
    url = database_url(settings)
    sqlite = url.get_backend_name() == "sqlite"
    key = (url.render_as_string(hide_password=False), settings.feedback_busy_timeout_seconds, settings.feedback_max_mb,
           settings.database_connect_timeout_seconds, settings.database_pool_size)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _sqlite_engine(url, settings) if sqlite else _postgres_engine(url, settings)
            _engines[key] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests, and a process about to fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _ready.clear()


def _sqlite_engine(url, settings: Settings):
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    timeout = settings.feedback_busy_timeout_seconds
    max_bytes = settings.feedback_max_mb * 1024 * 1024
    # A connection per operation, as before: a file that is replaced, made read-only or removed is seen at once.
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": timeout, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _setup(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # transactions are explicit: a writer takes the lock up front
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        try:
            if dbapi_conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                dbapi_conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # a read-only file: reading still works, a write reports it
        page_size = dbapi_conn.execute("PRAGMA page_size").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {max(MIN_PAGES, max_bytes // page_size)}")

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def _postgres_engine(url, settings: Settings):
    from sqlalchemy import create_engine, event

    try:
        engine = create_engine(
            url, pool_pre_ping=True, pool_size=max(1, settings.database_pool_size), max_overflow=max(1, settings.database_pool_size * 2),
            pool_recycle=1800, connect_args={"connect_timeout": max(1, int(settings.database_connect_timeout_seconds)), "application_name": "chatbot"},
        )
    except ImportError as exc:  # pragma: no cover - psycopg is in requirements.lock
        raise SettingsError(f"{SETTING} is a PostgreSQL URL but the driver is missing ({exc}); run `make setup`") from exc
    name = url.render_as_string(hide_password=False)

    @event.listens_for(engine, "connect")
    def _connected_once(_dbapi_conn, _record) -> None:
        _connected.add(name)

    return engine


# --- the transaction handed to an operation ------------------------------------------------


@lru_cache(maxsize=512)
def _sql(statement: str):
    from sqlalchemy import text

    return text(statement)


class Tx:
    """One open transaction. SQL uses named parameters (``WHERE id = :id``) and runs on both back-ends."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def one(self, sql: str, **params: Any):
        """The first row as a mapping (``row["column"]``), or None."""
        return self.conn.execute(_sql(sql), params).mappings().first()

    def all(self, sql: str, **params: Any) -> list:
        return list(self.conn.execute(_sql(sql), params).mappings())

    def scalar(self, sql: str, **params: Any) -> Any:
        return self.conn.execute(_sql(sql), params).scalar()

    def run(self, sql: str, **params: Any) -> int:
        """Run a statement; the number of rows it changed."""
        return self.conn.execute(_sql(sql), params).rowcount

    def insert(self, table, **values: Any) -> int:
        """Insert one row into ``table`` (a ``chatbot.store.schema`` table) and return its generated id."""
        return int(self.conn.execute(table.insert().values(**values)).inserted_primary_key[0])


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
        self.max_bytes = settings.feedback_max_mb * 1024 * 1024

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
        return self._run(lambda tx: _revision(tx), write=True, serial=False)

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
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_STAFF_LOCK})")
                    return operation(Tx(conn))
            except ChatbotError:
                raise
            except DBAPIError as exc:
                if not self._retry(exc, attempt, started):
                    raise self._error(exc, "write" if write else "read") from None
                log.warning("%s: %s; retrying (attempt %d)", describe(self.url), _first_line(exc), attempt)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except SQLAlchemyError as exc:
                raise self._error(exc, "write" if write else "read") from None

    def _retry(self, exc, attempt: int, started: float) -> bool:
        if self.sqlite:
            return _sqlite_busy(exc) and attempt < self.attempts
        if not _transient(exc):
            return False
        if self.url.render_as_string(hide_password=False) not in _connected:
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
        if key in _ready:
            return True
        with _lock:
            if self._ready_key() in _ready:
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
                if write or not isinstance(exc, DBAPIError) or not _read_only(exc):
                    raise
                return _has_tables(engine)  # a read-only copy: read what is there
            _ready.add(self._ready_key())
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
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self.error(
                f"cannot create the folder {self.path.parent} for the database of {self.what} ({exc.strerror or exc}); "
                f"set {SETTING} to a file in a writable folder"
            ) from None
        if self.path.is_dir():
            raise self.error(f"the database path {self.path} is a folder; set {SETTING} to sqlite:///path/to/a/file.sqlite3")

    def _error(self, exc: Exception, action: str) -> ChatbotError:
        return self.error(self._message(exc, action))

    def _message(self, exc: Exception, action: str) -> str:
        text = _first_line(exc).lower()
        where = self.where
        if self.sqlite:
            if "full" in text:
                return (f"{where} is full (disk full, or over the CHATBOT_FEEDBACK_MAX_MB limit of {self.max_bytes // (1024 * 1024)} MB); "
                        "free some space, archive old feedback, or raise the limit; nothing was changed")
            if _read_only(exc):
                return f"{where} is read-only, so nothing was changed; make the file and its folder writable, or set {SETTING} to a writable path"
            if "not a database" in text or "malformed" in text or "no such table" in text:
                return f"{where} is not a database (or is damaged); move it aside or set {SETTING} to another path"
            if "unable to open" in text:
                return f"cannot open {where}; check that its folder exists and is writable, or set {SETTING}"
            if _sqlite_busy(exc):
                return f"{where} is locked by another program and stayed busy for {self.attempts} tries, so nothing was changed; try again in a moment"
            return f"cannot {action} {where} ({_first_line(exc)}); check the file or set {SETTING}"
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
            return f"user {user!r} may not {action} {where} ({_first_line(exc)}); grant it the rights or use the owner in {SETTING}"
        if _transient(exc):
            if self.url.render_as_string(hide_password=False) not in _connected:
                return f"cannot reach {where}; check that PostgreSQL is running there and the host and port in {SETTING}"
            return (f"{where} stopped answering (restarting?) and was not back within {self.retry_seconds:g} s, so nothing was changed; "
                    "try again in a moment")
        return f"cannot {action} {where} ({_first_line(exc)}); check the server and {SETTING}"


# --- migrations --------------------------------------------------------------------------


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def _revision(tx: Tx) -> str:
    try:
        return tx.scalar("SELECT version_num FROM alembic_version") or ""
    except Exception:  # noqa: BLE001 - no table yet
        return ""


def upgrade(engine, settings: Settings) -> None:
    """Bring the database to the newest revision, in one transaction, one process at a time.

    A new, empty default database first takes in the ``data/feedback.sqlite3`` of an earlier
    release (``LEGACY_FILE``), in the same transaction: it is there in full, or not at all.
    """
    from alembic import command
    from sqlalchemy import inspect

    with engine.connect().execution_options(write=True) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_STAFF_LOCK + 1})")
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" in tables and _revision(Tx(conn)) == head_revision():
            return
        fresh = not (tables - {"alembic_version"})
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        legacy = _legacy_file(settings)
        if fresh and legacy is not None:
            from chatbot.store.importing import import_sqlite

            counts = import_sqlite(Tx(conn), legacy)
            log.warning("imported %s from %s (the file is left as it was)", ", ".join(f"{n} {t}" for t, n in counts.items() if n) or "nothing", legacy)


def _legacy_file(settings: Settings) -> Path | None:
    """The earlier release's file, when the settings are the defaults and it exists."""
    if settings.database_url or settings.feedback_db:
        return None
    return LEGACY_FILE if LEGACY_FILE.is_file() else None


def _has_tables(engine) -> bool:
    from sqlalchemy import inspect

    from chatbot.store.schema import TABLES

    with engine.connect() as conn:
        found = set(inspect(conn).get_table_names())
    return {t.name for t in TABLES} <= found


# --- classifying errors ------------------------------------------------------------------


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


def _sqlite_busy(exc: BaseException) -> bool:
    text = _first_line(exc).lower()
    return "locked" in text or "busy" in text


def _read_only(exc: BaseException) -> bool:
    text = _first_line(exc).lower()
    return "readonly" in text or "read-only" in text or "permission" in text


def _transient(exc: BaseException) -> bool:
    """A lost connection (a restart), a serialisation failure or a deadlock: trying again can succeed."""
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _TRANSIENT_STATES:
        return True
    text = _first_line(exc).lower()
    return any(marker in text for marker in _LOST_CONNECTION)


def is_busy(exc: BaseException) -> bool:
    """Whether a SQLite error means another writer holds the file."""
    return _sqlite_busy(exc)
