"""Question limits kept in the clinic's database, so they hold for every app instance that shares it.

Each limit counts questions in fixed windows (a UTC minute, a UTC day) under a subject: one
visitor, one client address, or the whole installation. ``RateLimiter.take`` counts one question
against all the limits that apply, in one transaction: when any of them is already full, nothing
is counted and ``RateLimitedError`` says which limit and how many seconds are left in its window.

On PostgreSQL every instance increments the same rows (``INSERT ... ON CONFLICT DO UPDATE``, which
PostgreSQL runs atomically), so the limits are exact across instances. On SQLite the one file is
locked for each write (``BEGIN IMMEDIATE``), so they are exact for the processes of one machine
sharing it; two instances on two machines cannot share a SQLite file, so each would count alone.

A fixed window lets a visitor ask up to twice the limit across a window's edge (the end of one
minute and the start of the next); that is the price of one row per subject and window.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chatbot.errors import FeedbackStoreError, RateLimitedError
from chatbot.settings import Settings
from chatbot.store.connection import Tx
from chatbot.store.database import Database

log = logging.getLogger(__name__)

_SALT = b"chatbot-rate-limit"
MINUTE = 60
DAY = 86_400

_COUNT = """
INSERT INTO rate_limit_counters (subject, window_start, hits, expires_at)
VALUES (:subject, :window_start, 1, :expires_at)
ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
RETURNING hits
"""


@dataclass(frozen=True)
class Limit:
    """At most ``allowed`` questions per ``seconds``-long window for ``subject``."""

    name: str
    """What is limited, as ``RateLimitedError.limit`` reports it: ``visitor``, ``ip`` or ``day``."""
    subject: str
    """The counter's key: ``visitor:<hash>``, ``ip:<hash>`` or ``day`` (``subject``)."""
    allowed: int
    seconds: int


def subject(kind: str, value: str) -> str:
    """The stored key of a visitor id or client address: its kind and a short salted hash, so the
    counters never hold an address or a session id in clear."""
    return f"{kind}:{hashlib.sha256(_SALT + value.encode('utf-8')).hexdigest()[:24]}"


def question_limits(settings: Settings, *, visitor: str | None, address: str | None) -> list[Limit]:
    """The limits one question counts against: its visitor's (a chat session or a widget visitor) and its
    address's per minute, and the day's."""
    limits = []
    if visitor:
        limits.append(Limit("visitor", subject("visitor", visitor), settings.visitor_questions_per_minute, MINUTE))
    if address:
        limits.append(Limit("ip", subject("ip", address), settings.ip_questions_per_minute, MINUTE))
    limits.append(Limit("day", "day", settings.questions_per_day, DAY))
    return limits


class RateLimiter:
    """Counts questions in the ``rate_limit_counters`` table. Cheap to create; thread-safe.

    ``clock`` returns seconds since the epoch (tests pass their own).
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.db = Database(settings, what="the question limits", error=FeedbackStoreError)
        self.clock = clock
        self._pruned_until = 0
        self._lock = threading.Lock()

    def take(self, limits: Sequence[Limit]) -> None:
        """Count one question against every limit in ``limits``, or against none of them.

        Raises ``RateLimitedError`` when a limit is full (nothing is counted then), and
        ``FeedbackStoreError`` when the database cannot be written.
        """
        self.db.write(self.counter(limits), serial=False)

    def counter(self, limits: Sequence[Limit]) -> Callable[[Tx], None]:
        """``take`` as a step of a caller's own transaction (``ConversationStore.admit``): raising rolls it all back."""
        now = int(self.clock())
        prune = self._prune_due(now)

        def count(tx: Tx) -> None:
            if prune:
                tx.run("DELETE FROM rate_limit_counters WHERE expires_at <= :now", now=now)
            for limit in limits:
                start = now - now % limit.seconds
                hits = tx.scalar(_COUNT, subject=limit.subject, window_start=start, expires_at=start + limit.seconds)
                if hits > limit.allowed:  # raising rolls the whole transaction back: nothing is counted
                    raise RateLimitedError(
                        f"over the {limit.name} limit of {limit.allowed} questions per {_per(limit.seconds)}",
                        limit=limit.name, retry_after=max(1, start + limit.seconds - now),
                    )

        return count

    def used(self, limit: Limit) -> int:
        """Questions counted against ``limit`` in its current window."""
        now = int(self.clock())
        start = now - now % limit.seconds
        return int(self.db.read(
            lambda tx: tx.scalar("SELECT hits FROM rate_limit_counters WHERE subject = :s AND window_start = :w", s=limit.subject, w=start)
            or 0,
            empty=0,
        ))

    def _prune_due(self, now: int) -> bool:
        """Whether this call should delete the expired counters: once a minute per process is plenty."""
        with self._lock:
            if now < self._pruned_until:
                return False
            self._pruned_until = now - now % MINUTE + MINUTE
            return True


def _per(seconds: int) -> str:
    return {MINUTE: "minute", DAY: "day"}.get(seconds, f"{seconds} s")
