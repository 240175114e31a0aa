"""The conversations of the public API: each one's earlier questions, so a follow-up is read with them.

A website visitor's browser only holds the conversation's id; the questions are kept here, in the
clinic's database, so a follow-up sent to any app instance finds them. Questions are redacted
(e-mail addresses, phone numbers) before they are stored, as in the feedback table, and a
conversation not used for ``conversation_days`` is deleted.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chatbot.errors import FeedbackStoreError
from chatbot.settings import Settings
from chatbot.store import schema
from chatbot.store.connection import Tx
from chatbot.store.database import Database
from chatbot.store.redaction import redact

PRUNE_EVERY_SECONDS = 3600
"""How often one process deletes the conversations nobody has used for ``conversation_days``."""


def new_conversation_id() -> str:
    """A random conversation id: 32 hex digits (128 bits), unguessable, linked to no person."""
    return secrets.token_hex(16)


def is_conversation_id(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


@dataclass(frozen=True)
class Admission:
    """What became of a question offered to a conversation (``ConversationStore.admit``)."""

    history: tuple[str, ...]
    """The questions asked before it, oldest first (redacted)."""
    status: str = "admitted"
    """``admitted`` (stored and counted), ``unknown`` (no such conversation) or ``full``; only the first is stored."""


class ConversationStore:
    """Reads and appends to the ``conversations`` table. Cheap to create; thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.db = Database(settings, what="the website conversations", error=FeedbackStoreError)
        self.keep = timedelta(days=settings.conversation_days)
        self._next_prune = 0.0
        self._lock = threading.Lock()

    def questions(self, conversation_id: str) -> tuple[str, ...] | None:
        """The questions asked so far in the conversation, oldest first; None when there is no such conversation.

        Raises ``FeedbackStoreError`` when the database cannot be read.
        """
        row = self.db.read(lambda tx: tx.one("SELECT questions FROM conversations WHERE id = :id", id=conversation_id), empty=None)
        if row is None:
            return None
        return tuple(_questions(row["questions"]))

    def add(self, conversation_id: str, question: str) -> int:
        """Append ``question`` (redacted) to the conversation, creating it when new; returns how many it holds.

        Raises ``FeedbackStoreError`` when the database cannot be written.
        """
        admission = self.admit(conversation_id, question, new=True, max_questions=10**9)
        return len(admission.history) + 1

    def admit(self, conversation_id: str, question: str, *, new: bool, max_questions: int,
              count: Callable[[Tx], None] | None = None) -> Admission:
        """In one transaction: read the conversation, ``count`` the question (``RateLimiter.counter``) and append it.

        ``new``: the caller just made the id up (a new conversation); otherwise an unknown id is
        ``unknown``. A conversation holding ``max_questions`` is ``full``. Neither is counted nor stored.
        Raises what ``count`` raises (``RateLimitedError``: nothing stored) and ``FeedbackStoreError``.
        """
        now = _now()
        prune_before = self._prune_due()

        def admit(tx: Tx) -> Admission:
            if prune_before is not None:
                tx.run("DELETE FROM conversations WHERE updated_at < :before", before=prune_before)
            lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""  # two questions at once in one conversation keep both
            row = tx.one(f"SELECT questions FROM conversations WHERE id = :id{lock}", id=conversation_id)
            history = tuple(_questions(row["questions"])) if row is not None else ()
            if row is None and not new:
                return Admission((), "unknown")
            if len(history) >= max_questions:
                return Admission(history, "full")
            if count is not None:
                count(tx)
            questions = json.dumps([*history, redact(question)])
            if row is None:
                tx.conn.execute(schema.conversations.insert().values(id=conversation_id, created_at=now, updated_at=now, questions=questions))
            else:
                tx.run("UPDATE conversations SET questions = :q, updated_at = :now WHERE id = :id", q=questions, now=now, id=conversation_id)
            return Admission(history)

        return self.db.write(admit, serial=False)

    def _prune_due(self) -> str | None:
        with self._lock:
            if time.monotonic() < self._next_prune:
                return None
            self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        return (datetime.now(UTC) - self.keep).isoformat(timespec="seconds")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _questions(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return [q for q in value if isinstance(q, str)] if isinstance(value, list) else []
