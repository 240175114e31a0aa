"""The feedback store: every answered question, and what the asker thought of the answer.

The ``feedback`` table of the clinic's database (``chatbot.store.database``: the embedded SQLite file
in WAL mode, so the content team can read while chat sessions write, or a PostgreSQL server).
Each chat answer is logged once (``log_answer``); a thumbs up or down and an optional comment
are added to that record later (``rate``). Personal details (e-mails, phones, card numbers, dates
of birth, ID numbers: ``chatbot.store.redaction``) are removed from every text *before* it is stored,
and only the turns of history the engine read (``max_history_turns``) are kept.

Writes from several sessions (threads or processes) never lose a record: each write is one
short transaction, retried while the database is busy or restarting. Problems with the
database itself (a folder that cannot be created, read-only, full, not a database, a wrong
password) raise ``FeedbackStoreError`` with what to do.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from chatbot.errors import FeedbackStoreError
from chatbot.settings import Settings
from chatbot.store import quota, schema
from chatbot.store.connection import Tx, describe
from chatbot.store.database import Database
from chatbot.store.redaction import redact

log = logging.getLogger(__name__)

UNANSWERED_CATEGORY = "out_of_scope"
"""The guardrail's ``out_of_scope`` category (``chatbot.guardrail``): the articles did not answer."""

HELPFUL, NOT_HELPFUL = 1, 0
"""Ratings as ``st.feedback("thumbs")`` returns them: 1 thumbs up, 0 thumbs down."""

class LoggedCitation(Protocol):
    """What is kept of one citation of a logged answer (``chatbot.answering.model.Citation``)."""

    n: int
    article: str
    title: str
    section: str
    chunk_id: str
    score: float


class LoggedVerdict(Protocol):
    category: str


class LoggedAnswer(Protocol):
    """What the store keeps of an answer (``chatbot.answering.model.Answer`` is one)."""

    text: str
    language: str
    citations: Sequence[LoggedCitation]
    guardrail: LoggedVerdict


@dataclass(frozen=True)
class FeedbackRecord:
    """One answered question as stored (texts already redacted)."""

    id: int
    created_at: datetime
    session_id: str
    question: str
    history: tuple[str, ...]
    answer: str
    citations: tuple[dict[str, Any], ...]
    category: str
    rating: int | None
    comment: str = ""
    rated_at: datetime | None = None
    language: str = "en"
    """ISO 639-1 code of the question's language (see ``chatbot/languages/detection.py``)."""

    @property
    def sources(self) -> str:
        """The cited sources on one line: ``[1] Title — Section; [2] ...``."""
        return "; ".join(f"[{c.get('n')}] {c.get('title')} — {c.get('section')}" for c in self.citations)

    @property
    def unanswered(self) -> bool:
        """Whether the content team should look at it: the articles did not cover it, or the asker said it did not help."""
        return self.category == UNANSWERED_CATEGORY or self.rating == NOT_HELPFUL


@dataclass(frozen=True)
class QuestionGroup:
    """Unanswered questions that ask much the same thing: one line of the to-write list."""

    questions: tuple[FeedbackRecord, ...] = field(default_factory=tuple)

    @property
    def representative(self) -> str:
        return self.questions[0].question

    @property
    def size(self) -> int:
        return len(self.questions)


class FeedbackStore:
    """Reads and writes the feedback table of the clinic's database (``chatbot.store.database``).

    Cheap to create; one instance can be shared between threads. On SQLite a write is made
    before the call returns (about a millisecond). On PostgreSQL the chat does not wait for the
    network: ``log_answer`` and ``rate`` hand the write to the process's ``FeedbackWriter``, which
    stores it in order, retrying through a server restart, and ``pending()`` tells what is queued.
    """

    def __init__(self, settings: Settings, *, background: bool | None = None) -> None:
        self.db = Database(settings, what="the feedback", error=FeedbackStoreError)
        self.background = (not self.db.sqlite) if background is None else background
        self.path = self.db.path
        self.max_history_turns = settings.max_history_turns
        self.quota_bytes = quota.quota_bytes(settings.feedback_max_mb)

    # --- writing -------------------------------------------------------------------

    def log_answer(self, *, session_id: str, question: str, history: Sequence[str], answer: LoggedAnswer) -> str:
        """Store one answered question (unrated) and return its record key, for ``rate``.

        Raises ``FeedbackStoreError`` when the database cannot be written (or, in the background,
        when the queue is full because the database has been unreachable for long).
        """
        citations = [
            {"n": c.n, "article": c.article, "title": c.title, "section": c.section, "chunk_id": c.chunk_id, "score": round(c.score, 4)}
            for c in answer.citations
        ]
        turns = list(history)[-self.max_history_turns:] if self.max_history_turns > 0 else []
        row = dict(
            uid=uuid.uuid4().hex, created_at=_now(), session_id=session_id, question=redact(question),
            history=json.dumps([redact(h) for h in turns]), answer=redact(answer.text), citations=json.dumps(citations),
            category=answer.guardrail.category, language=answer.language, comment="",
        )
        row["size"] = quota.record_size(row)
        self._submit(lambda tx: _insert(tx, row, limit=self.quota_bytes))
        return row["uid"]

    def rate(self, record: str | int, rating: int | None, comment: str = "") -> None:
        """Set the rating (``HELPFUL``, ``NOT_HELPFUL`` or None to clear) and comment of a record (its key or id).

        Raises ``FeedbackStoreError`` when the database cannot be written or the record does not exist.
        """
        if rating not in (HELPFUL, NOT_HELPFUL, None):
            raise FeedbackStoreError(f"rating must be {HELPFUL} (helpful), {NOT_HELPFUL} (not helpful) or empty, not {rating!r}")
        values = dict(rating=rating, comment=redact(comment.strip()), rated_at=_now(), key=record)
        column = "id" if isinstance(record, int) else "uid"

        def update(tx: Tx) -> None:
            old = tx.one(f"SELECT comment FROM feedback WHERE {column} = :key", key=record)
            if old is None:
                raise FeedbackStoreError(f"feedback record {record} does not exist in {describe(self.db.url)}")
            grown = len(values["comment"].encode("utf-8")) - len((old["comment"] or "").encode("utf-8"))
            quota.charge(tx, grown, limit=self.quota_bytes)
            if not tx.run(f"UPDATE feedback SET rating = :rating, comment = :comment, rated_at = :rated_at, size = size + :grown "
                          f"WHERE {column} = :key", grown=grown, **values):  # dropped by the quota just now: it was the oldest
                raise FeedbackStoreError(f"feedback record {record} does not exist in {describe(self.db.url)}")

        self._submit(update)

    def pending(self) -> int:
        """Writes handed to the background writer and not stored yet (0 on SQLite)."""
        return writer_for(self.db).pending() if self.background else 0

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued write is stored; False when some are still waiting after ``timeout``."""
        return writer_for(self.db).flush(timeout) if self.background else True

    @property
    def trouble(self) -> str | None:
        """What keeps queued writes from being stored right now (a restarting server...), else None."""
        return writer_for(self.db).trouble if self.background else None

    def _submit(self, operation: Callable[[Tx], None]) -> None:
        if self.background:
            writer_for(self.db).submit(operation)
        else:
            self.db.write(operation, serial=False)

    # --- reading -------------------------------------------------------------------

    def records(self) -> list[FeedbackRecord]:
        """Every record, newest first. A database that does not exist yet has none.

        Raises ``FeedbackStoreError`` when the database exists but cannot be read.
        """
        rows = self.db.read(lambda tx: tx.all("SELECT * FROM feedback ORDER BY created_at DESC, id DESC"), empty=[])
        return [_record(row) for row in rows]

    def usage(self) -> quota.ClientUsage:
        """How full the client quota is, and whether the oldest records were dropped lately (the staff banner)."""
        return self.db.read(lambda tx: quota.usage(tx, limit=self.quota_bytes), empty=quota.ClientUsage(0, self.quota_bytes, 0, None))


class FeedbackWriter:
    """One thread per process and database that stores queued feedback writes in order.

    A write that fails because the server is unreachable or restarting is retried (with a growing
    pause, up to 5 s) until it is stored: it is never dropped. Each insert carries a key of its own
    (``uid``), so one retried after a lost acknowledgement is not stored twice. A write refused for
    good (a rating of a record that does not exist) is logged and skipped. ``max_pending`` bounds
    the queue: beyond it ``submit`` raises, so an unreachable database is noticed, not hidden.
    """

    def __init__(self, db: Database, *, max_pending: int = 10_000) -> None:
        # Its own short retries, so ``trouble`` says within a second or two why writes wait; it then retries for ever.
        self.db = Database(db.settings.replace(database_retry_seconds=min(1.0, db.retry_seconds)), what=db.what, error=db.error)
        self.max_pending = max_pending
        self._queue: deque[Callable[[Tx], None]] = deque()
        self._cond = threading.Condition()
        self._busy = False
        self.trouble: str | None = None
        self.stored = 0
        self._thread = threading.Thread(target=self._loop, name="feedback-writer", daemon=True)
        self._thread.start()
        atexit.register(self._at_exit)

    def submit(self, operation: Callable[[Tx], None]) -> None:
        with self._cond:
            if len(self._queue) >= self.max_pending:
                raise FeedbackStoreError(
                    f"{len(self._queue)} feedback writes are waiting for {describe(self.db.url)} ({self.trouble or 'busy'}); "
                    "nothing more is accepted until it answers again: check the database server"
                )
            self._queue.append(operation)
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + int(self._busy)

    def flush(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                operation = self._queue[0]
                self._busy = True
            self._store(operation)
            with self._cond:
                self._queue.popleft()
                self._busy = False
                self._cond.notify_all()

    def _store(self, operation: Callable[[Tx], None]) -> None:
        pause = 0.1
        while True:
            try:
                self.db.write(operation, serial=False)
                self.stored += 1
                if self.trouble:
                    log.warning("feedback writes resumed on %s", describe(self.db.url))
                self.trouble = None
                return
            except FeedbackStoreError as exc:
                if "does not exist in" in str(exc):  # a rating of a record that is not there: retrying cannot help
                    log.error("feedback write skipped: %s", exc)
                    return
                if self.trouble is None:
                    log.error("feedback writes waiting: %s", exc)
                self.trouble = str(exc)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)

    def _at_exit(self) -> None:
        if not self.flush(timeout=10.0):
            log.error("%d feedback writes could not be stored before the app stopped (%s)", self.pending(), self.trouble or "database busy")


_writers: dict[str, FeedbackWriter] = {}
_writers_lock = threading.Lock()


def writer_for(db: Database) -> FeedbackWriter:
    key = db.url.render_as_string(hide_password=False)
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            writer = _writers[key] = FeedbackWriter(db)
        return writer


def _insert(tx: Tx, row: dict[str, Any], *, limit: int) -> None:
    """Insert ``row`` unless a retry already stored it (same ``uid``), within the client quota."""
    if tx.scalar("SELECT COUNT(*) FROM feedback WHERE uid = :uid", uid=row["uid"]):
        return
    quota.charge(tx, row["size"], limit=limit)
    tx.insert(schema.feedback, **row)


def group_similar(records: Sequence[FeedbackRecord], vectors: np.ndarray, *, similarity: float) -> list[QuestionGroup]:
    """Group questions that ask much the same thing, biggest group first.

    ``vectors`` are the unit-normalised embeddings of the records' questions, in the same
    order. Each question joins the group whose mean vector it is most similar to, when
    that cosine is at least ``similarity``; otherwise it starts a new group.
    """
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        best, best_sim = -1, similarity
        for g, total in enumerate(sums):
            sim = float(vector @ (total / np.linalg.norm(total)))
            if sim >= best_sim:
                best, best_sim = g, sim
        if best < 0:
            groups.append([i])
            sums.append(np.array(vector, dtype=np.float64))
        else:
            groups[best].append(i)
            sums[best] = sums[best] + vector
    ordered = sorted(groups, key=lambda members: (-len(members), members[0]))
    return [QuestionGroup(tuple(records[i] for i in members)) for members in ordered]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record(row) -> FeedbackRecord:
    return FeedbackRecord(
        id=row["id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        session_id=row["session_id"],
        question=row["question"],
        history=tuple(_json_list(row["history"])),
        answer=row["answer"],
        citations=tuple(c for c in _json_list(row["citations"]) if isinstance(c, dict)),
        category=row["category"],
        rating=row["rating"],
        comment=row["comment"] or "",
        rated_at=datetime.fromisoformat(row["rated_at"]) if row["rated_at"] else None,
        language=row["language"] or "en",
    )


def _json_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []
