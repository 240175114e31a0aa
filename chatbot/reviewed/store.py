"""The review store: drafts, reviewed answers, their revisions and history, in the clinic's database.

Tables of their own in the clinic's database (``chatbot.store.database``: SQLite or PostgreSQL; short
transactions, one staff write at a time, retried while the database is busy or restarting;
``ReviewedAnswersError`` with what to do when it is locked, read-only, damaged or unreachable;
nothing is changed then):

* ``reviewed_answers``: one row per question: its status, the published and the latest
  revision number, and the stale quotes found by the last ingest;
* ``reviewed_revisions``: every saved version (answer, sources, other phrasings), who wrote it,
  and who approved it;
* ``reviewed_history``: who did what when (drafts, approvals, withdrawals, staleness marks);
* ``reviewed_state``: a version counter bumped by every change, so a running engine notices
  a new approval with one cheap read (``version``).

Every draft, approval, withdrawal, import and staleness mark is also written to the audit log
(``chatbot.store.audit``) in the same transaction as the change itself.

Approval is compare-and-set on the revision number inside one transaction: two clinicians
approving the same revision at the same moment get one approval and one clear
``ReviewConflictError``; an approval of a revision that has since been edited is refused too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from chatbot.errors import ReviewConflictError, ReviewedAnswersError
from chatbot.reviewed.model import (
    DRAFT,
    NEEDS_REVIEW,
    REVIEWED,
    WITHDRAWN,
    AnswerContent,
    HistoryEvent,
    ImportEntry,
    ReviewedAnswer,
    Revision,
    Source,
    StaleQuote,
    question_key,
)
from chatbot.settings import Settings
from chatbot.store import audit, schema
from chatbot.store.connection import Tx
from chatbot.store.database import Database
from chatbot.store.permissions import require_role
from chatbot.store.staff import CLINICIAN


class ReviewStore:
    """Reads and writes the review tables of the clinic's database. Cheap to create, thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.db = Database(settings, what="the reviewed answers", error=ReviewedAnswersError)
        self.path = self.db.path
        self.legacy_password = bool(settings.staff_password)

    # --- reading -----------------------------------------------------------------------

    def version(self) -> int:
        """The change counter: it differs after any draft, approval, withdrawal or import. 0 without a database."""
        row = self._read("SELECT version FROM reviewed_state WHERE id = 1")
        return int(row[0]["version"]) if row else 0

    def answers(self) -> list[ReviewedAnswer]:
        """Every stored question, needs-review first, then by question."""
        rows = self._read("SELECT * FROM reviewed_answers")
        revisions = self._read(
            "SELECT r.* FROM reviewed_revisions r JOIN reviewed_answers a ON a.id = r.answer_id "
            "WHERE r.number = a.published_revision OR r.number = a.latest_revision"
        )
        by_key = {(r["answer_id"], r["number"]): r for r in revisions}
        out = [_answer(row, by_key) for row in rows]
        return sorted(out, key=lambda a: (a.status != NEEDS_REVIEW, a.question.lower()))

    def get(self, question: str) -> ReviewedAnswer | None:
        key = question_key(question)
        return next((a for a in self.answers() if question_key(a.question) == key), None)

    def served(self) -> list[ReviewedAnswer]:
        """The answers clients may be given: reviewed, not stale, not withdrawn."""
        return [a for a in self.answers() if a.served]

    def needing_review(self) -> list[ReviewedAnswer]:
        return [a for a in self.answers() if a.status == NEEDS_REVIEW]

    def revisions(self, answer_id: int) -> list[Revision]:
        rows = self._read("SELECT * FROM reviewed_revisions WHERE answer_id = :id ORDER BY number DESC", id=answer_id)
        return [_revision(r) for r in rows]

    def history(self, answer_id: int) -> list[HistoryEvent]:
        rows = self._read("SELECT * FROM reviewed_history WHERE answer_id = :id ORDER BY id DESC", id=answer_id)
        return [HistoryEvent(_time(r["at"]), r["actor"], r["action"], r["revision"], r["detail"]) for r in rows]

    # --- writing -----------------------------------------------------------------------

    def save_draft(self, content: AnswerContent, *, author: str, based_on: int | None = None, note: str = "") -> int:
        """Store ``content`` as a new revision of its question and return the revision number.

        ``based_on`` is the latest revision the author was looking at: when someone saved a newer
        one meanwhile, nothing is stored and ``ReviewConflictError`` says so. What is served does
        not change until the new revision is approved.
        """

        def write(conn: Tx) -> int:
            row = _row_for(conn, content.question)
            if row is None:
                answer_id = _insert_answer(conn, content.question, DRAFT)
                latest = 0
            else:
                answer_id, latest = row["id"], row["latest_revision"]
                if based_on is not None and based_on != latest:
                    raise ReviewConflictError(
                        f"{content.question!r} was changed meanwhile (revision {latest}, you edited {based_on}); "
                        "reload the page, your text was not saved"
                    )
            number = latest + 1
            _insert_revision(conn, answer_id, number, content, author=author, note=note or _describe_change(conn, answer_id, latest, content))
            conn.run("UPDATE reviewed_answers SET latest_revision = :n, updated_at = :now WHERE id = :id", n=number, now=_now(), id=answer_id)
            _event(conn, answer_id, author, "draft", number, note or "saved a draft")
            _bump(conn)
            return number

        return self._write(write)

    def approve(self, question: str, revision: int, *, approver: str) -> None:
        """Make ``revision`` of ``question`` the served answer, signed by ``approver``.

        Raises ``ReviewConflictError`` when that revision was already approved (by someone
        else a moment ago, say) or a newer revision exists, and ``PermissionDeniedError`` unless
        ``approver`` is a clinician or an admin now (``chatbot.store.permissions``); nothing changes then.
        """

        def write(conn: Tx) -> None:
            require_role(conn, approver, CLINICIAN, legacy_password=self.legacy_password)
            row = _row_for(conn, question)
            if row is None:
                raise ReviewedAnswersError(f"no draft of {question!r} to approve; save it first")
            rev = conn.one(
                "SELECT approved_by, approved_at FROM reviewed_revisions WHERE answer_id = :id AND number = :n", id=row["id"], n=revision
            )
            if rev is None:
                raise ReviewedAnswersError(f"{question!r} has no revision {revision}")
            if rev["approved_at"] and rev["approved_by"] == approver and row["published_revision"] == revision and row["status"] == REVIEWED:
                return  # approved by the same person already (a double click, or a retry after a lost connection): nothing to do
            if rev["approved_at"]:
                raise ReviewConflictError(
                    f"revision {revision} of {question!r} was already approved by {rev['approved_by']} at {rev['approved_at']}; nothing changed"
                )
            if row["latest_revision"] != revision:
                raise ReviewConflictError(
                    f"{question!r} has a newer revision ({row['latest_revision']}) than the one you approved ({revision}); "
                    "reload and check the newest text"
                )
            now = _now()
            changed = conn.run(
                "UPDATE reviewed_revisions SET approved_by = :by, approved_at = :now WHERE answer_id = :id AND number = :n AND approved_at IS NULL",
                by=approver, now=now, id=row["id"], n=revision,
            )
            if changed != 1:  # pragma: no cover - the immediate transaction makes this unreachable
                raise ReviewConflictError(f"revision {revision} of {question!r} was approved meanwhile; nothing changed")
            conn.run(
                "UPDATE reviewed_answers SET status = :status, published_revision = :n, stale = '[]', updated_at = :now WHERE id = :id",
                status=REVIEWED, n=revision, now=now, id=row["id"],
            )
            _event(conn, row["id"], approver, "approve", revision, "approved; now served to clients")
            _bump(conn)

        self._write(write)

    def withdraw(self, question: str, *, actor: str, reason: str = "") -> None:
        """Stop serving ``question``'s reviewed answer (its revisions are kept). Clinicians and admins only."""

        def write(conn: Tx) -> None:
            require_role(conn, actor, CLINICIAN, legacy_password=self.legacy_password)
            row = _row_for(conn, question)
            if row is None or row["published_revision"] == 0:
                raise ReviewedAnswersError(f"{question!r} has no reviewed answer to withdraw")
            if row["status"] == WITHDRAWN:
                raise ReviewConflictError(f"the reviewed answer to {question!r} is already withdrawn")
            conn.run("UPDATE reviewed_answers SET status = :status, updated_at = :now WHERE id = :id", status=WITHDRAWN, now=_now(), id=row["id"])
            _event(conn, row["id"], actor, "withdraw", row["published_revision"], reason or "withdrawn; clients get the generated answer")
            _bump(conn)

        self._write(write)

    def mark_stale(self, stale: dict[str, Sequence[StaleQuote]], *, actor: str = "ingest") -> list[str]:
        """Set each question of ``stale`` (question -> quotes gone from their article) to needs review.

        Only served answers change; returns the questions newly marked.
        """

        def write(conn: Tx) -> list[str]:
            marked = []
            for question, quotes in stale.items():
                row = _row_for(conn, question)
                if row is None or row["status"] != REVIEWED or not quotes:
                    continue
                payload = json.dumps([q.__dict__ for q in quotes])
                conn.run("UPDATE reviewed_answers SET status = :status, stale = :stale, updated_at = :now WHERE id = :id",
                         status=NEEDS_REVIEW, stale=payload, now=_now(), id=row["id"])
                detail = "; ".join(f"[{q.n}] no longer in {q.article}" for q in quotes)
                _event(conn, row["id"], actor, "needs_review", row["published_revision"], detail)
                marked.append(row["question"])
            if marked:
                _bump(conn)
            return marked

        return self._write(write)

    def import_entries(
        self, entries: Sequence[ImportEntry], *, actor: str, only_if_empty: bool = False, provenance: dict[str, Any] | None = None
    ) -> tuple[int, int]:
        """Store every entry as an approved revision, in one transaction (all or nothing).

        An entry identical to the served revision is left alone. With ``only_if_empty``
        nothing is imported when any answer is stored already (what ``make setup`` uses,
        so it never overwrites the desk's work). ``provenance`` (who ran it, the file and its
        sha256) goes into one ``answers.import_file`` audit entry in the same transaction.
        Returns (imported, unchanged).
        """

        def write(conn: Tx) -> tuple[int, int]:
            if only_if_empty and conn.scalar("SELECT COUNT(*) FROM reviewed_answers"):
                return 0, len(entries)
            imported = unchanged = 0
            for entry in entries:
                c = entry.content
                row = _row_for(conn, c.question)
                if row is None:
                    answer_id, latest = _insert_answer(conn, c.question, REVIEWED), 0
                else:
                    answer_id, latest = row["id"], row["latest_revision"]
                    current = _content_of(conn, answer_id, row["published_revision"]) if row["published_revision"] else None
                    if current == c and row["status"] == REVIEWED:
                        unchanged += 1
                        continue
                number = latest + 1
                at = entry.reviewed_at.astimezone(UTC).isoformat(timespec="seconds")
                _insert_revision(conn, answer_id, number, c, author=actor, note="imported from YAML", approved=(entry.reviewed_by, at))
                conn.run(
                    "UPDATE reviewed_answers SET status = :status, published_revision = :n, latest_revision = :n, stale = '[]', updated_at = :now "
                    "WHERE id = :id",
                    status=REVIEWED, n=number, now=_now(), id=answer_id,
                )
                _event(conn, answer_id, actor, "import", number, f"imported, reviewed by {entry.reviewed_by} at {at}")
                imported += 1
            if imported:
                _bump(conn)
            if provenance is not None and imported:
                audit.insert_entry(conn, actor, "answers.import_file", subject=str(provenance.get("file", "")),
                                   detail={**provenance, "imported": imported, "unchanged": unchanged})
            return imported, unchanged

        return self._write(write)

    # --- plumbing ----------------------------------------------------------------------

    def _read(self, sql: str, **params: Any) -> list:
        return self.db.read(lambda tx: tx.all(sql, **params), empty=[])

    def _write(self, operation):
        return self.db.write(operation)


def _row_for(conn: Tx, question: str):
    return conn.one("SELECT * FROM reviewed_answers WHERE question_key = :key", key=question_key(question))


def _insert_answer(conn: Tx, question: str, status: str) -> int:
    return conn.insert(schema.reviewed_answers, question_key=question_key(question), question=question, status=status, updated_at=_now())


def _insert_revision(
    conn: Tx, answer_id: int, number: int, c: AnswerContent, *, author: str, note: str,
    approved: tuple[str, str] | None = None,
) -> None:
    conn.conn.execute(schema.reviewed_revisions.insert().values(
        answer_id=answer_id, number=number, question=c.question, answer=c.answer, sources=json.dumps([s.to_yaml() for s in c.sources]),
        also_asked=json.dumps(list(c.also_asked)), author=author, created_at=_now(), note=note,
        approved_by=approved[0] if approved else None, approved_at=approved[1] if approved else None,
    ))


def _content_of(conn: Tx, answer_id: int, number: int) -> AnswerContent | None:
    row = conn.one("SELECT * FROM reviewed_revisions WHERE answer_id = :id AND number = :n", id=answer_id, n=number)
    return _content(row) if row else None


def _describe_change(conn: Tx, answer_id: int, latest: int, new: AnswerContent) -> str:
    """What changed since the previous revision, in a few words for the history."""
    old = _content_of(conn, answer_id, latest) if latest else None
    if old is None:
        return "first draft"
    changes = []
    if old.answer != new.answer:
        changes.append("answer text")
    if old.sources != new.sources:
        changes.append(f"sources ({len(old.sources)} -> {len(new.sources)})")
    if old.also_asked != new.also_asked:
        added = [p for p in new.also_asked if p not in old.also_asked]
        changes.append("other ways clients ask" + (f" (+{', '.join(added)})" if added else ""))
    return "changed " + ", ".join(changes) if changes else "saved unchanged"


AUDIT_ACTIONS = {"draft": "answer.edit", "approve": "answer.approve", "withdraw": "answer.withdraw", "import": "answer.import",
                 "needs_review": "answer.needs_review"}
"""The audit-log action of each history action."""


def _event(conn: Tx, answer_id: int, actor: str, action: str, revision: int, detail: str) -> None:
    conn.run(
        "INSERT INTO reviewed_history (answer_id, at, actor, action, revision, detail) VALUES (:id, :at, :actor, :action, :revision, :detail)",
        id=answer_id, at=_now(), actor=actor, action=action, revision=revision, detail=detail,
    )
    question = conn.scalar("SELECT question FROM reviewed_answers WHERE id = :id", id=answer_id)
    audit.insert_entry(conn, actor, AUDIT_ACTIONS[action], subject=question, detail={"revision": revision, "what": detail})


def _bump(conn: Tx) -> None:
    conn.run("UPDATE reviewed_state SET version = version + 1 WHERE id = 1")


def _content(row) -> AnswerContent:
    sources = tuple(Source(clinic=True) if s.get("clinic") else Source(s["article"], s["quote"]) for s in json.loads(row["sources"]))
    return AnswerContent(row["question"], row["answer"], sources, tuple(json.loads(row["also_asked"] or "[]")))


def _revision(row) -> Revision:
    return Revision(
        row["number"], _content(row), row["author"], _time(row["created_at"]), row["note"] or "",
        row["approved_by"] or "", _time(row["approved_at"]) if row["approved_at"] else None,
    )


def _answer(row, revisions: dict) -> ReviewedAnswer:
    published = revisions.get((row["id"], row["published_revision"])) if row["published_revision"] else None
    latest = revisions[(row["id"], row["latest_revision"])]
    stale = tuple(StaleQuote(**q) for q in json.loads(row["stale"] or "[]"))
    return ReviewedAnswer(
        id=row["id"], question=row["question"], status=row["status"],
        content=_content(published) if published else None, revision=row["published_revision"],
        latest=_content(latest), latest_revision=row["latest_revision"],
        reviewed_by=(published["approved_by"] or "") if published else "",
        reviewed_at=_time(published["approved_at"]) if published and published["approved_at"] else None,
        stale=stale,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["ReviewStore", "mark_stale_answers"]


def mark_stale_answers(settings: Settings, articles=None) -> list[str]:
    """After an ingest: mark needs-review every served answer quoting a sentence no longer in its article.

    ``articles`` defaults to the corpus as the index now reads it. Returns the questions newly
    marked; without a database (or answers) nothing happens and nothing is created.
    """
    from chatbot.reviewed.model import article_sentences, stale_quotes

    store = ReviewStore(settings)
    served = store.served()
    if not served:
        return []
    articles = articles or article_sentences(settings)
    stale = {a.question: stale_quotes(a.content, articles) for a in served if a.content}
    return store.mark_stale({q: quotes for q, quotes in stale.items() if quotes})
