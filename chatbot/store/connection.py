"""Which database the store uses, the engine that reaches it, and the transaction an operation gets.

``database_url`` checks ``CHATBOT_DATABASE_URL`` (SQLite file or PostgreSQL server), ``engine_for``
keeps one SQLAlchemy engine per database and process, ``Tx`` is the open transaction handed to
every operation of ``chatbot.store.database.Database``, and the helpers at the end read a driver
error: busy, read-only, or a lost connection worth retrying.
"""

from __future__ import annotations

import sqlite3
import threading
from functools import lru_cache
from typing import Any

from chatbot.errors import SettingsError
from chatbot.settings import Settings

DEFAULT_URL = "sqlite:///data/chatbot.sqlite3"
SETTING = "CHATBOT_DATABASE_URL"
STAFF_LOCK = 727_011
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
ready: set[tuple] = set()
"""The databases (and SQLite files) whose tables this process has created or migrated (``Database._prepare``)."""
connected: set[str] = set()
"""The PostgreSQL URLs this process has reached at least once: a failure before that is a wrong host, not a restart."""
lock = threading.RLock()
"""Guards the engines and the migrations of this process."""


def engine_for(settings: Settings):
    """The process's engine for the settings' database (created once; safe to share between threads)."""
    url = database_url(settings)
    sqlite = url.get_backend_name() == "sqlite"
    key = (url.render_as_string(hide_password=False), settings.feedback_busy_timeout_seconds,
           settings.database_connect_timeout_seconds, settings.database_pool_size)
    with lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _sqlite_engine(url, settings) if sqlite else _postgres_engine(url, settings)
            _engines[key] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests, and a process about to fork)."""
    with lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        ready.clear()


def _sqlite_engine(url, settings: Settings):
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    timeout = settings.feedback_busy_timeout_seconds
    # No size cap on the file: client records have their own quota (chatbot.store.quota), and a cap on the
    # whole file let visitors fill it until staff could not log in. A connection per operation, as before: a file that is replaced, made read-only or removed is seen at once.
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
        connected.add(name)

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


# --- classifying errors ------------------------------------------------------------------


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


def sqlite_busy(exc: BaseException) -> bool:
    text = first_line(exc).lower()
    return "locked" in text or "busy" in text


def read_only(exc: BaseException) -> bool:
    text = first_line(exc).lower()
    return "readonly" in text or "read-only" in text or "permission" in text


def transient(exc: BaseException) -> bool:
    """A lost connection (a restart), a serialisation failure or a deadlock: trying again can succeed."""
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _TRANSIENT_STATES:
        return True
    text = first_line(exc).lower()
    return any(marker in text for marker in _LOST_CONNECTION)


def is_busy(exc: BaseException) -> bool:
    """Whether a SQLite error means another writer holds the file."""
    return sqlite_busy(exc)
