"""The feedback store: every answered question, and what the asker thought of the answer.

One SQLite file (``settings.feedback_db``) in WAL mode, so the content team can read
while chat sessions write. Each chat answer is logged once (``log_answer``); a thumbs
up or down and an optional comment are added to that record later (``rate``).
E-mail addresses and phone numbers are removed from every text *before* it is stored.

Writes from several sessions (threads or processes) never lose a record: each write
is one short ``BEGIN IMMEDIATE`` transaction that waits for the database
(``feedback_busy_timeout_seconds``) and is retried a few times when it stays busy.
Problems with the file itself (missing folder that cannot be created, read-only,
full, not a database) raise ``FeedbackStoreError`` with what to do.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from chatbot.answer import Answer
from chatbot.errors import FeedbackStoreError
from chatbot.guardrails import OUT_OF_SCOPE
from chatbot.settings import Settings

log = logging.getLogger(__name__)

HELPFUL, NOT_HELPFUL = 1, 0
"""Ratings as ``st.feedback("thumbs")`` returns them: 1 thumbs up, 0 thumbs down."""

EMAIL_MARK = "[email removed]"
PHONE_MARK = "[phone removed]"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A run of digits with the separators people type in phone numbers; whether it is one is decided by _is_phone.
_PHONE_CANDIDATE = re.compile(r"(?<![\w.])(?:\+\s?)?(?:\(\d{1,5}\)[\s.-]?)?\d(?:[\s.-]?\d|[\s.-]?\(\d{1,5}\)){5,17}(?![\w])")
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_LOCAL_NUMBER = re.compile(r"^\d{3}[\s.-]\d{4}$")

MIGRATIONS = (("language", "ALTER TABLE feedback ADD COLUMN language TEXT NOT NULL DEFAULT 'en'"),)
"""Columns added after the first release: a database written by an older version gets them on first use."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,              -- ISO-8601, UTC
    session_id  TEXT NOT NULL,              -- random per browser session; nothing links it to a person
    question    TEXT NOT NULL,              -- redacted
    history     TEXT NOT NULL DEFAULT '[]', -- JSON list of the earlier questions, redacted
    answer      TEXT NOT NULL,              -- the text the asker saw, redacted
    citations   TEXT NOT NULL DEFAULT '[]', -- JSON list of {n, article, title, section, chunk_id, score}
    category    TEXT NOT NULL,              -- guardrail category
    rating      INTEGER,                    -- 1 helpful, 0 not helpful, NULL not rated
    comment     TEXT NOT NULL DEFAULT '',   -- redacted
    rated_at    TEXT,
    language    TEXT NOT NULL DEFAULT 'en'  -- ISO 639-1 code of the question ("es", "zh"...)
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created_at);
"""


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if _DATE_LIKE.match(candidate.strip()):
        return False
    if candidate.lstrip().startswith(("+", "(")):
        return 7 <= digits <= 15
    # "0.5 mm", "3-6 weeks", "2024" never reach here: a phone number has 9+ digits, or is "555-1234".
    return 9 <= digits <= 15 or bool(_LOCAL_NUMBER.match(candidate))


def redact(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers replaced by ``[email removed]`` / ``[phone removed]``.

    Phone numbers are recognised in the usual written forms (+44 20 7946 0958, (555) 123-4567,
    555.123.4567, 07700 900123, 555-1234); dates, doses and durations are left alone.
    """
    text = _EMAIL.sub(EMAIL_MARK, text)
    return _PHONE_CANDIDATE.sub(lambda m: PHONE_MARK if _is_phone(m.group(0)) else m.group(0), text)


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
    """ISO 639-1 code of the question's language (see ``chatbot/language.py``)."""

    @property
    def sources(self) -> str:
        """The cited sources on one line: ``[1] Title — Section; [2] ...``."""
        return "; ".join(f"[{c.get('n')}] {c.get('title')} — {c.get('section')}" for c in self.citations)

    @property
    def unanswered(self) -> bool:
        """Whether the content team should look at it: the articles did not cover it, or the asker said it did not help."""
        return self.category == OUT_OF_SCOPE or self.rating == NOT_HELPFUL


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


T = TypeVar("T")


class FeedbackStore:
    """Reads and writes ``settings.feedback_db``. Cheap to create; opens a connection per call,
    so one instance can be shared between threads."""

    def __init__(self, settings: Settings) -> None:
        self.path = Path(settings.feedback_db)
        self.timeout = settings.feedback_busy_timeout_seconds
        self.attempts = max(1, settings.feedback_write_attempts)
        self.max_bytes = settings.feedback_max_mb * 1024 * 1024

    # --- writing -------------------------------------------------------------------

    def log_answer(self, *, session_id: str, question: str, history: Sequence[str], answer: Answer) -> int:
        """Store one answered question (unrated) and return its record id.

        Raises ``FeedbackStoreError`` when the database cannot be written.
        """
        citations = [
            {"n": c.n, "article": c.article, "title": c.title, "section": c.section, "chunk_id": c.chunk_id, "score": round(c.score, 4)}
            for c in answer.citations
        ]
        row = (
            _now(), session_id, redact(question), json.dumps([redact(h) for h in history]),
            redact(answer.text), json.dumps(citations), answer.guardrail.category, answer.language,
        )

        def insert(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO feedback (created_at, session_id, question, history, answer, citations, category, language)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

        return self._write(insert)

    def rate(self, record_id: int, rating: int | None, comment: str = "") -> None:
        """Set the rating (``HELPFUL``, ``NOT_HELPFUL`` or None to clear) and comment of a record.

        Raises ``FeedbackStoreError`` when the database cannot be written or the record does not exist.
        """
        if rating not in (HELPFUL, NOT_HELPFUL, None):
            raise FeedbackStoreError(f"rating must be {HELPFUL} (helpful), {NOT_HELPFUL} (not helpful) or empty, not {rating!r}")

        def update(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "UPDATE feedback SET rating = ?, comment = ?, rated_at = ? WHERE id = ?",
                (rating, redact(comment.strip()), _now(), record_id),
            )
            return cur.rowcount

        if not self._write(update):
            raise FeedbackStoreError(f"feedback record {record_id} does not exist in {self.path}")

    # --- reading -------------------------------------------------------------------

    def records(self) -> list[FeedbackRecord]:
        """Every record, newest first. A database that does not exist yet has none.

        Raises ``FeedbackStoreError`` when the file exists but cannot be read.
        """
        if not self.path.exists():
            return []
        try:
            with self._connect() as conn:
                rows = conn.execute("SELECT * FROM feedback ORDER BY created_at DESC, id DESC").fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc, "read") from exc
        return [_record(row) for row in rows]

    # --- plumbing ------------------------------------------------------------------

    def _write(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``operation`` in one immediate transaction, retrying while the database is busy."""
        self._ensure_folder()
        delay = 0.05
        for attempt in range(1, self.attempts + 1):
            try:
                with self._connect() as conn:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = operation(conn)
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:  # SQLite already rolled back after some errors (disk full)
                            conn.execute("ROLLBACK")
                        raise
                    return result
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or attempt == self.attempts:
                    raise self._error(exc, "write") from exc
                log.warning("feedback database busy (attempt %d of %d); retrying", attempt, self.attempts)
                time.sleep(delay)
                delay *= 2
            except sqlite3.Error as exc:
                raise self._error(exc, "write") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), so a writer takes the lock up front.
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {max(16, self.max_bytes // page_size)}")
            conn.executescript(SCHEMA)
            _migrate(conn)
            yield conn
        finally:
            conn.close()

    def _ensure_folder(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FeedbackStoreError(
                f"cannot create the folder {self.path.parent} for the feedback database ({exc.strerror or exc}); "
                "set CHATBOT_FEEDBACK_DB to a file in a writable folder"
            ) from exc
        if self.path.is_dir():
            raise FeedbackStoreError(f"the feedback database path {self.path} is a folder; set CHATBOT_FEEDBACK_DB to a file path")

    def _error(self, exc: sqlite3.Error, action: str) -> FeedbackStoreError:
        text = str(exc).lower()
        where = f"the feedback database {self.path}"
        if "full" in text:
            return FeedbackStoreError(
                f"{where} is full (disk full, or over the CHATBOT_FEEDBACK_MAX_MB limit of {self.max_bytes // (1024 * 1024)} MB); "
                "free some space, archive old records, or raise the limit"
            )
        if "readonly" in text or "read-only" in text or "permission" in text:
            return FeedbackStoreError(f"{where} is read-only; make it writable or set CHATBOT_FEEDBACK_DB to a writable path")
        if "not a database" in text or "malformed" in text or "no such table" in text:
            return FeedbackStoreError(f"{where} is not a feedback database (or is damaged); move it aside or set CHATBOT_FEEDBACK_DB to another path")
        if "unable to open" in text:
            return FeedbackStoreError(f"cannot open {where}; check that its folder exists and is writable, or set CHATBOT_FEEDBACK_DB")
        if _is_busy(exc):
            return FeedbackStoreError(f"{where} stayed busy for {self.attempts} tries; try again in a moment")
        return FeedbackStoreError(f"cannot {action} {where} ({exc}); check the file or set CHATBOT_FEEDBACK_DB")


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


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _migrate(conn: sqlite3.Connection) -> None:
    """Add the columns a database written by an older version lacks (``MIGRATIONS``)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
    for column, statement in MIGRATIONS:
        if column not in columns:
            try:
                conn.execute(statement)
            except sqlite3.OperationalError as exc:  # another process added it a moment ago
                if "duplicate column" not in str(exc).lower():
                    raise


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record(row: sqlite3.Row) -> FeedbackRecord:
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
