"""Questions counted per chat session, per client and per day, on SQLite and PostgreSQL alike.

The chat page (and the public API) asks ``RateLimiter.count`` before answering. Each call counts
one question against every bucket it names: a session and a client address per minute
(``rate_limit_per_minute``), and the whole app instance per day (``rate_limit_per_day``). The
counts live in the ``rate_counts`` table, so they hold across the app's processes and, on
PostgreSQL, across instances. A question over a limit raises ``RateLimitedError`` (saying when
to try again) and is not counted. Session ids and addresses are stored only as salted hashes
(``bucket``); rows expire with their minute or day and ``chatbot.store.retention.purge`` deletes them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chatbot.errors import FeedbackStoreError, RateLimitedError
from chatbot.settings import Settings
from chatbot.store.connection import Tx
from chatbot.store.database import Database

log = logging.getLogger(__name__)

MINUTE, DAY = "minute", "day"
_SALT = b"chatbot-rate-limit"
"""Hashing only keeps raw addresses out of the table; the buckets are not meant to be kept."""


@dataclass(frozen=True)
class Bucket:
    """One thing counted: ``key`` (already hashed), the period and the limit (0: none)."""

    key: str
    period: str
    limit: int
    label: str
    """Who is limited, in the message: "this conversation", "your connection", "the chat"."""


def bucket(kind: str, value: str) -> str:
    """The stored key of a session id or client address: its kind and a short salted hash."""
    return f"{kind}:{hashlib.sha256(_SALT + value.encode('utf-8')).hexdigest()[:24]}"


def chat_buckets(settings: Settings, *, session: str, client: str | None) -> list[Bucket]:
    """The buckets of one chat question: this session and this client per minute, the instance per day."""
    found = [Bucket(bucket("session", session), MINUTE, settings.rate_limit_per_minute, "this conversation")]
    if client:
        found.append(Bucket(bucket("client", client), MINUTE, settings.rate_limit_per_minute, "your connection"))
    found.append(Bucket("instance", DAY, settings.rate_limit_per_day, "the chat"))
    return [b for b in found if b.limit > 0]


class RateLimiter:
    """Counts questions in the clinic's database. Cheap to create; safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.db = Database(settings, what="the question counts", error=FeedbackStoreError)

    def count(self, buckets: Iterable[Bucket], *, now: datetime | None = None) -> None:
        """Count one question in every bucket, or none of them and raise ``RateLimitedError`` when one is full.

        Raises ``FeedbackStoreError`` when the database cannot be written.
        """
        chosen = list(buckets)
        if not chosen:
            return
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        self.db.write(lambda tx: _count(tx, chosen, moment), serial=False)

    def used(self, item: Bucket, *, now: datetime | None = None) -> int:
        """Questions counted in ``item`` in the current minute or day."""
        period, _, _ = _period(item.period, (now or datetime.now(UTC)).astimezone(UTC))
        return self.db.read(lambda tx: int(tx.scalar("SELECT hits FROM rate_counts WHERE bucket = :b AND period = :p",
                                                     b=item.key, p=period) or 0), empty=0)


def _period(kind: str, moment: datetime) -> tuple[str, datetime, float]:
    """The period's name, when its row may be deleted, and the seconds until it ends."""
    if kind == MINUTE:
        start = moment.replace(second=0, microsecond=0)
        end = start + timedelta(minutes=1)
        return "m:" + start.strftime("%Y-%m-%dT%H:%M"), end, (end - moment).total_seconds()
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    return "d:" + start.strftime("%Y-%m-%d"), end, (end - moment).total_seconds()


def _count(tx: Tx, buckets: list[Bucket], moment: datetime) -> None:
    # Increment first, then read: on PostgreSQL the upsert holds the row, so two racing questions never both pass.
    for item in buckets:
        period, end, left = _period(item.period, moment)
        tx.run(
            "INSERT INTO rate_counts (bucket, period, hits, expires) VALUES (:b, :p, 1, :e) "
            "ON CONFLICT (bucket, period) DO UPDATE SET hits = rate_counts.hits + 1",
            b=item.key, p=period, e=end.isoformat(timespec="seconds"),
        )
        hits = int(tx.scalar("SELECT hits FROM rate_counts WHERE bucket = :b AND period = :p", b=item.key, p=period))
        if hits > item.limit:  # raising rolls the whole transaction back: this question is counted nowhere
            per = "minute" if item.period == MINUTE else "day"
            raise RateLimitedError(
                f"{item.label} has reached its limit of {item.limit} questions per {per}; please try again in {_wait(left)}",
                retry_after=left, scope=item.label,
            )


def _wait(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} seconds"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"
