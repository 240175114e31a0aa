"""Creating and migrating the store's tables (Alembic, ``chatbot/store/migrations``), and the one-time legacy import.

``upgrade`` brings a database to the newest revision the first time a process uses it (and on
``chatbot db upgrade``); a new, empty default database first takes in the ``data/feedback.sqlite3``
of an earlier release (``chatbot.store.importing``).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from chatbot.settings import Settings
from chatbot.store.connection import STAFF_LOCK, Tx
from chatbot.store.importing import import_sqlite

log = logging.getLogger(__name__)

LEGACY_FILE = Path("data/feedback.sqlite3")
"""Where releases before ``CHATBOT_DATABASE_URL`` kept everything; imported once into a new default database."""


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def revision(tx: Tx) -> str:
    """The revision the database is at; empty before its first migration."""
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
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({STAFF_LOCK + 1})")
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" in tables and revision(Tx(conn)) == head_revision():
            return
        fresh = not (tables - {"alembic_version"})
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        legacy = _legacy_file(settings)
        if fresh and legacy is not None:
            counts = import_sqlite(Tx(conn), legacy)
            log.warning("imported %s from %s (the file is left as it was)", ", ".join(f"{n} {t}" for t, n in counts.items() if n) or "nothing", legacy)


def _legacy_file(settings: Settings) -> Path | None:
    """The earlier release's file, when the settings are the defaults and it exists."""
    if settings.database_url or settings.feedback_db:
        return None
    return LEGACY_FILE if LEGACY_FILE.is_file() else None


def has_tables(engine) -> bool:
    from sqlalchemy import inspect

    from chatbot.store.schema import TABLES

    with engine.connect() as conn:
        found = set(inspect(conn).get_table_names())
    return {t.name for t in TABLES} <= found

