"""The client quota: what visitors write has a size limit of its own, apart from what staff need.

Every client record (``feedback``) carries its size, the bytes of the text it stores, and the
one-row ``client_usage`` table keeps their sum, so checking the quota is one read. When a new
record would take the sum past ``feedback_max_mb``, the oldest client records are deleted in the
same transaction until it fits: a log line says so and the staff pages show a banner
(``ClientUsage.dropping``). Nothing else counts against the quota and nothing else is ever
deleted to make room: logins, accounts, the audit log and the reviewed answers keep working
however much visitors write. Retention (``chatbot.store.retention``) deletes through
``delete_records`` too, so the counter stays exact; ``recount`` rebuilds it from the table.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chatbot.store.connection import Tx

log = logging.getLogger(__name__)

TEXT_COLUMNS = ("question", "history", "answer", "citations", "comment")
"""The columns of a client record whose bytes count against the quota."""
DROP_BATCH = 200
"""Oldest records read at a time while making room."""
BANNER_DAYS = 7
"""A drop older than this no longer shows the staff banner."""


@dataclass(frozen=True)
class ClientUsage:
    """How full the client quota is, for the staff banner and ``chatbot privacy status``."""

    bytes: int
    quota_bytes: int
    dropped: int
    dropped_at: datetime | None

    @property
    def share(self) -> float:
        return self.bytes / self.quota_bytes if self.quota_bytes else 1.0

    @property
    def dropping(self) -> bool:
        """Whether client records were dropped to make room lately (the staff pages show a banner)."""
        return self.dropped_at is not None and datetime.now(UTC) - self.dropped_at < timedelta(days=BANNER_DAYS)


def record_size(row: dict) -> int:
    """Bytes of client text in a feedback row (UTF-8)."""
    return sum(len(str(row.get(column) or "").encode("utf-8")) for column in TEXT_COLUMNS)


def quota_bytes(max_mb: float) -> int:
    return max(0, int(max_mb * 1024 * 1024))


def charge(tx: Tx, size: int, *, limit: int) -> int:
    """Count ``size`` more bytes against the quota, deleting the oldest client records first when they would not fit.

    Returns how many records were dropped (0 almost always).
    """
    used = _used(tx)
    over = used + size - limit
    dropped = freed = 0
    while over > freed:
        oldest = tx.all("SELECT id, size FROM feedback ORDER BY id LIMIT :n", n=DROP_BATCH)
        if not oldest:
            break  # one record bigger than the whole quota: it is still stored, alone
        last, enough = oldest[-1]["id"], freed
        for row in oldest:
            enough += row["size"] or 0
            if enough >= over:
                last = row["id"]
                break
        count, bytes_freed = delete_records(tx, "id <= :last", last=last)
        dropped += count
        freed += bytes_freed
    if dropped:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        tx.run("UPDATE client_usage SET dropped = dropped + :n, dropped_at = :at WHERE id = 1", n=dropped, at=now)
        _log_drop(dropped, limit)
    tx.run("UPDATE client_usage SET bytes = bytes + :size WHERE id = 1", size=size)
    return dropped


def delete_records(tx: Tx, where: str, **params) -> tuple[int, int]:
    """Delete the client records matching ``where`` (SQL on ``feedback``) and uncount them; (records, bytes) deleted."""
    freed = int(tx.scalar(f"SELECT COALESCE(SUM(size), 0) FROM feedback WHERE {where}", **params) or 0)
    count = tx.run(f"DELETE FROM feedback WHERE {where}", **params)
    if count:
        _used(tx)
        tx.run("UPDATE client_usage SET bytes = CASE WHEN bytes > :freed THEN bytes - :freed ELSE 0 END WHERE id = 1", freed=freed)
    return count, freed


def usage(tx: Tx, *, limit: int) -> ClientUsage:
    row = tx.one("SELECT bytes, dropped, dropped_at FROM client_usage WHERE id = 1")
    if row is None:
        return ClientUsage(0, limit, 0, None)
    at = datetime.fromisoformat(row["dropped_at"]) if row["dropped_at"] else None
    return ClientUsage(int(row["bytes"]), limit, int(row["dropped"]), at)


def recount(tx: Tx) -> int:
    """Fill in the size of records that lack one and set the counter to the table's sum; that sum."""
    lengths = " + ".join(f"LENGTH({c})" for c in TEXT_COLUMNS)
    tx.run(f"UPDATE feedback SET size = {lengths} WHERE size = 0 OR size IS NULL")
    total = int(tx.scalar("SELECT COALESCE(SUM(size), 0) FROM feedback") or 0)
    _used(tx)
    tx.run("UPDATE client_usage SET bytes = :total WHERE id = 1", total=total)
    return total


_drops = {"pending": 0, "logged": 0.0}
LOG_EVERY_SECONDS = 60.0
"""A full quota drops a record for nearly every new one: one log line a minute says how many."""


def _log_drop(count: int, limit: int) -> None:
    _drops["pending"] += count
    if time.monotonic() - _drops["logged"] < LOG_EVERY_SECONDS:
        return
    log.warning("the client quota (%g MB, CHATBOT_FEEDBACK_MAX_MB) is full: dropped the %d oldest client records to make room; "
                "staff data is not affected", round(limit / 1024 / 1024, 3), _drops["pending"])
    _drops["pending"], _drops["logged"] = 0, time.monotonic()


def _used(tx: Tx) -> int:
    used = tx.scalar("SELECT bytes FROM client_usage WHERE id = 1")
    if used is None:  # a database whose counter row was lost: start it from the table
        total = int(tx.scalar("SELECT COALESCE(SUM(size), 0) FROM feedback") or 0)
        tx.run("INSERT INTO client_usage (id, bytes, dropped) VALUES (1, :total, 0)", total=total)
        return total
    return int(used)
