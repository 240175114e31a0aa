"""Whose sign-off a served answer carries: approved on the desk by a clinician, or outside it.

``chatbot answers import`` stores whatever ``reviewed_by`` a file names. An answer whose
approver is not a clinician or admin account of this clinic was therefore approved outside
the review desk; the desk labels it so, and ``reapprove`` lets a clinician sign it off as it
stands in one click (a new revision with the same text, approved by them, in one transaction).
"""

from __future__ import annotations

from collections.abc import Iterable

from chatbot.errors import ReviewedAnswersError
from chatbot.reviewed.model import REVIEWED, ReviewedAnswer, question_key
from chatbot.reviewed.store import ReviewStore, _bump, _content_of, _event, _insert_revision, _now, _row_for
from chatbot.store.connection import Tx
from chatbot.store.permissions import require_role
from chatbot.store.staff import CLINICIAN, AccountInfo, name_key

APPROVER_ROLES = ("clinician", "admin")


def approved_outside_desk(answers: Iterable[ReviewedAnswer], accounts: Iterable[AccountInfo]) -> set[str]:
    """The question keys of the served answers whose approver is not a clinician or admin account."""
    approvers = {name_key(a.name) for a in accounts if a.role in APPROVER_ROLES}
    return {question_key(a.question) for a in answers if a.served and name_key(a.reviewed_by) not in approvers}


def reapprove(store: ReviewStore, question: str, *, approver: str) -> int:
    """Sign off the served answer to ``question`` as it stands: returns the new revision's number.

    Raises ``PermissionDeniedError`` unless ``approver`` is a clinician or an admin now, and
    ``ReviewedAnswersError`` when the question has no served answer; nothing changes then.
    """

    def write(conn: Tx) -> int:
        require_role(conn, approver, CLINICIAN, legacy_password=store.legacy_password)
        row = _row_for(conn, question)
        content = _content_of(conn, row["id"], row["published_revision"]) if row and row["published_revision"] else None
        if row is None or row["status"] != REVIEWED or content is None:
            raise ReviewedAnswersError(f"{question!r} has no served answer to approve again; reload the page")
        before = conn.one("SELECT approved_by FROM reviewed_revisions WHERE answer_id = :id AND number = :n",
                          id=row["id"], n=row["published_revision"])
        number = row["latest_revision"] + 1
        now = _now()
        _insert_revision(conn, row["id"], number, content, author=approver, note=f"re-approved revision {row['published_revision']}",
                         approved=(approver, now))
        conn.run("UPDATE reviewed_answers SET published_revision = :n, latest_revision = :n, updated_at = :now WHERE id = :id",
                 n=number, now=now, id=row["id"])
        _event(conn, row["id"], approver, "approve", number,
               f"approved again as it stands (revision {row['published_revision']} was approved outside the desk by {before['approved_by']})")
        _bump(conn)
        return number

    return store.db.write(write)


__all__ = ["APPROVER_ROLES", "approved_outside_desk", "reapprove"]
