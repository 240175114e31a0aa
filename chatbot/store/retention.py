"""How long client records are kept, and one person's records found, exported or erased.

* ``purge`` deletes client records (``feedback``) older than ``retention_days`` and the expired rate
  counters; the app does it at start-up (``purge_at_start``) and ``chatbot privacy purge`` on demand.
* ``find`` selects one person's records: every record of a chat session, given its id, or of each
  session in which a text they wrote appears (matched after redaction, as it was stored). A website
  visitor's session is their API conversation (``conversations``), searched for the text too.
* ``export`` returns them as JSON-ready dicts for a data-subject request; ``erase`` deletes them, and
  the website conversations that kept their questions, and writes ``privacy.erase`` to the audit log,
  in the same transaction, with counts only: never the erased text, nor the session ids.

Deleting goes through ``chatbot.store.quota.delete_records``, so the client quota's counter stays exact.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chatbot.errors import FeedbackStoreError
from chatbot.settings import Settings
from chatbot.store import quota
from chatbot.store.audit import insert_entry
from chatbot.store.connection import Tx
from chatbot.store.database import Database
from chatbot.store.redaction import redact

log = logging.getLogger(__name__)

PURGE = "privacy.purge"
"""Client records removed because they were older than ``retention_days``; detail ``records``, ``before``."""
ERASE = "privacy.erase"
"""One person's records erased; detail ``records``, ``sessions`` and ``by`` (``session`` or ``text``), never the text."""
EXPORT = "privacy.export"
"""One person's records exported; detail ``records``, ``sessions``, ``by``."""
MIN_TEXT_CHARS = 6
"""Shortest text ``find`` searches for: a shorter one ("pain") matches strangers' questions."""

_purged: set[str] = set()
_purged_lock = threading.Lock()


@dataclass(frozen=True)
class Selection:
    """Which records ``find`` chose, and how (``session`` or ``text``)."""

    by: str
    sessions: tuple[str, ...]
    records: tuple[dict[str, Any], ...]


def _store(settings: Settings) -> Database:
    return Database(settings, what="the client records", error=FeedbackStoreError)


def cutoff(settings: Settings, *, now: datetime | None = None) -> datetime | None:
    """The time before which client records are deleted; None when ``retention_days`` is 0 (kept)."""
    if settings.retention_days <= 0:
        return None
    return (now or datetime.now(UTC)) - timedelta(days=settings.retention_days)


def purge(settings: Settings, *, actor: str = "system", now: datetime | None = None) -> int:
    """Delete client records (and the API's conversations) older than ``retention_days``; how many records went."""
    before = cutoff(settings, now=now)

    def delete(tx: Tx) -> int:
        if before is None:
            return 0
        tx.run("DELETE FROM conversations WHERE updated_at < :before", before=before.isoformat(timespec="seconds"))
        count, _ = quota.delete_records(tx, "created_at < :before", before=before.isoformat(timespec="seconds"))
        if count:
            insert_entry(tx, actor, PURGE, detail={"records": count, "before": before.isoformat(timespec="seconds")})
        return count

    db = _store(settings)
    if not db.exists():
        return 0
    count = db.write(delete)
    if count:
        log.warning("deleted %d client records older than %d days (CHATBOT_RETENTION_DAYS)", count, settings.retention_days)
    return count


def purge_at_start(settings: Settings) -> None:
    """``purge`` once per process and database (the app calls it as it starts); a failure is logged, never raised."""
    key = settings.database_url or str(settings.feedback_db)
    with _purged_lock:
        if key in _purged:
            return
        _purged.add(key)
    try:
        purge(settings)
    except FeedbackStoreError as exc:
        log.error("old client records could not be deleted at start-up: %s", exc)


def find(settings: Settings, *, session: str | None = None, text: str | None = None) -> Selection:
    """One person's records, oldest first: a session's, or those of every session in which ``text`` appears.

    Raises ``FeedbackStoreError`` when neither or both are given, or the text is too short to be theirs.
    """
    return _store(settings).read(lambda tx: _select(tx, session=session, text=text), empty=Selection(_by(session, text), (), ()))


def export(settings: Settings, *, session: str | None = None, text: str | None = None, actor: str = "system") -> Selection:
    """``find``, and a ``privacy.export`` audit entry (counts only)."""
    selection = find(settings, session=session, text=text)
    if selection.records:
        _store(settings).write(lambda tx: insert_entry(tx, actor, EXPORT, detail=_detail(selection)))
    return selection


def erase(settings: Settings, *, session: str | None = None, text: str | None = None, actor: str = "system") -> Selection:
    """Delete one person's records (as ``find`` selects them) and audit it; what was erased.

    The selection is made again inside the deleting transaction, so a record written meanwhile goes too.
    """

    def delete(tx: Tx) -> Selection:
        selection = _select(tx, session=session, text=text)
        for start in range(0, len(selection.sessions), 200):
            chunk = selection.sessions[start:start + 200]
            names = {f"s{i}": s for i, s in enumerate(chunk)}
            placeholders = ", ".join(":" + n for n in names)
            quota.delete_records(tx, f"session_id IN ({placeholders})", **names)
            # a website visitor's session is the API conversation, which keeps their questions too
            tx.run(f"DELETE FROM conversations WHERE id IN ({placeholders})", **names)
        if selection.records or selection.sessions:
            insert_entry(tx, actor, ERASE, detail=_detail(selection))
        return selection

    db = _store(settings)
    if not db.exists():
        return Selection(_by(session, text), (), ())
    return db.write(delete)


def _by(session: str | None, text: str | None) -> str:
    if (session is None) == (text is None):
        raise FeedbackStoreError("give either a session id (--session) or a text the person wrote (--text), not both")
    return "session" if session is not None else "text"


def _select(tx: Tx, *, session: str | None, text: str | None) -> Selection:
    by = _by(session, text)
    if by == "session":
        wanted = (session or "").strip()
        known = wanted and (tx.scalar("SELECT 1 FROM feedback WHERE session_id = :s LIMIT 1", s=wanted)
                            or tx.scalar("SELECT 1 FROM conversations WHERE id = :s LIMIT 1", s=wanted))
        sessions = [wanted] if known else []
    else:
        needle = " ".join(redact(text or "").split())
        if len(needle) < MIN_TEXT_CHARS:
            raise FeedbackStoreError(f"the text must have at least {MIN_TEXT_CHARS} characters, so only this person's records match")
        pattern = "%" + needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # the history is JSON text, where "é" is stored as "\u00e9": search it in that form too
        escaped = json.dumps(needle.lower())[1:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = tx.all(
            "SELECT DISTINCT session_id FROM feedback WHERE LOWER(question) LIKE :p ESCAPE '\\' "
            "OR LOWER(history) LIKE :p ESCAPE '\\' OR LOWER(history) LIKE :h ESCAPE '\\' OR LOWER(comment) LIKE :p ESCAPE '\\'",
            p=pattern, h="%" + escaped + "%",
        )
        conversations = tx.all(
            "SELECT id FROM conversations WHERE LOWER(questions) LIKE :p ESCAPE '\\' OR LOWER(questions) LIKE :h ESCAPE '\\'",
            p=pattern, h="%" + escaped + "%",
        )
        sessions = sorted({r["session_id"] for r in rows} | {r["id"] for r in conversations})
    records: list[dict[str, Any]] = []
    for s in sessions:
        records += [_plain(row) for row in tx.all("SELECT * FROM feedback WHERE session_id = :s ORDER BY id", s=s)]
    return Selection(by, tuple(sessions), tuple(records))


def _plain(row) -> dict[str, Any]:
    """A record as the person would be given it: every stored column, JSON columns decoded."""
    record = {k: row[k] for k in ("id", "created_at", "session_id", "question", "answer", "category", "rating", "comment", "rated_at", "language")}
    for column in ("history", "citations"):
        try:
            record[column] = json.loads(row[column] or "[]")
        except json.JSONDecodeError:
            record[column] = row[column]
    return record


def _detail(selection: Selection) -> dict[str, Any]:
    return {"by": selection.by, "records": len(selection.records), "sessions": len(selection.sessions)}
