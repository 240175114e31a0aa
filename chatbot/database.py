"""Tables of their own in the clinic's SQLite database (``settings.feedback_db``).

The staff accounts, the login attempts and the audit log live in the same file as the
feedback, in tables of their own, opened the same way as ``chatbot.feedback``: WAL mode,
a busy timeout (``feedback_busy_timeout_seconds``), each write one short ``BEGIN IMMEDIATE``
transaction retried a few times (``feedback_write_attempts``) while another writer holds
the file. A problem with the file itself raises the error class given, with what to do.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from chatbot.errors import ChatbotError
from chatbot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


class Database:
    """One SQLite file and the ``schema`` (``CREATE ... IF NOT EXISTS`` statements) of some tables in it.

    Cheap to create; opens a connection per call, so one instance can be shared between threads.
    ``what`` names the data in messages ("the staff accounts"); ``error`` is the exception raised.
    """

    def __init__(self, settings: Settings, *, schema: str, what: str, error: type[ChatbotError]) -> None:
        self.path = Path(settings.feedback_db)
        self.timeout = settings.feedback_busy_timeout_seconds
        self.attempts = max(1, settings.feedback_write_attempts)
        self.max_bytes = settings.feedback_max_mb * 1024 * 1024
        self.schema = schema
        self.what = what
        self.error = error

    def write(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``operation`` in one immediate transaction, retrying while the database is busy.

        Everything ``operation`` does is committed together or not at all.
        """
        self._ensure_folder()
        delay = 0.05
        for attempt in range(1, self.attempts + 1):
            try:
                with self._connect(create=True) as conn:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = operation(conn)
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    return result
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or attempt == self.attempts:
                    raise self._error(exc, "write") from exc
                log.warning("database busy (attempt %d of %d); retrying", attempt, self.attempts)
                time.sleep(delay)
                delay *= 2
            except sqlite3.Error as exc:
                raise self._error(exc, "write") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, operation: Callable[[sqlite3.Connection], T], *, empty: T) -> T:
        """``operation``'s result, or ``empty`` when the file or the tables do not exist yet.

        Reading never creates the file, so a read-only deployment can still be inspected.
        """
        if not self.path.exists():
            return empty
        try:
            with self._connect(create=False) as conn:
                if not self._has_tables(conn):
                    return empty
                return operation(conn)
        except sqlite3.Error as exc:
            raise self._error(exc, "read") from exc

    # --- plumbing ------------------------------------------------------------------

    def _has_tables(self, conn: sqlite3.Connection) -> bool:
        wanted = {line.split()[5] for line in self.schema.splitlines() if line.strip().upper().startswith("CREATE TABLE IF NOT EXISTS")}
        found = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return wanted <= found

    @contextmanager
    def _connect(self, *, create: bool) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), so a writer takes the lock up front.
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            if create:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                page_size = conn.execute("PRAGMA page_size").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count = {max(16, self.max_bytes // page_size)}")
                conn.executescript(self.schema)
            yield conn
        finally:
            conn.close()

    def _ensure_folder(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self.error(
                f"cannot create the folder {self.path.parent} for the database of {self.what} ({exc.strerror or exc}); "
                "set CHATBOT_FEEDBACK_DB to a file in a writable folder"
            ) from exc
        if self.path.is_dir():
            raise self.error(f"the database path {self.path} is a folder; set CHATBOT_FEEDBACK_DB to a file path")

    def _error(self, exc: sqlite3.Error, action: str) -> ChatbotError:
        text = str(exc).lower()
        where = f"the database {self.path} (which holds {self.what})"
        if "full" in text:
            return self.error(
                f"{where} is full (disk full, or over the CHATBOT_FEEDBACK_MAX_MB limit of {self.max_bytes // (1024 * 1024)} MB); "
                "free some space, archive old feedback, or raise the limit; nothing was changed"
            )
        if "readonly" in text or "read-only" in text or "permission" in text:
            return self.error(f"{where} is read-only, so nothing was changed; make the file and its folder writable, or set CHATBOT_FEEDBACK_DB to a writable path")
        if "not a database" in text or "malformed" in text:
            return self.error(f"{where} is not a database (or is damaged); move it aside or set CHATBOT_FEEDBACK_DB to another path")
        if "unable to open" in text:
            return self.error(f"cannot open {where}; check that its folder exists and is writable, or set CHATBOT_FEEDBACK_DB")
        if is_busy(exc):
            return self.error(
                f"{where} is locked by another program and stayed busy for {self.attempts} tries, so nothing was changed; "
                "try again in a moment"
            )
        return self.error(f"cannot {action} {where} ({exc}); check the file or set CHATBOT_FEEDBACK_DB")


def is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text
