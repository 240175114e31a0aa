"""The client quota (chatbot/store/quota.py): visitors fill their own share of the database, never the staff's."""

from __future__ import annotations

import os

import pytest
from conftest import make_settings

from chatbot.errors import FeedbackStoreError
from chatbot.store.accounts import AccountStore
from chatbot.store.audit import AuditLog
from chatbot.store.database import Database
from chatbot.store.feedback import FeedbackStore

CHEAP_HASH = {"staff_hash_memory_kib": 1024, "staff_hash_passes": 1}
PASSWORD = "tulip meadow river"
QUOTA_MB = 0.05
"""About 50 KB: a few dozen records of the answer below."""


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    if request.param == "sqlite":
        return make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'data' / 'chatbot.sqlite3'}", feedback_max_mb=QUOTA_MB, **CHEAP_HASH)
    return make_settings(tmp_path, database_url=request.getfixturevalue("postgres_url"), feedback_max_mb=QUOTA_MB, **CHEAP_HASH)


@pytest.fixture(scope="module")
def answer(engine):
    return engine.ask("Does microneedling shrink pores?")


def test_a_100_question_session_stores_at_most_6_turns_of_history_per_record(settings, answer):
    store = FeedbackStore(settings.replace(feedback_max_mb=100), background=False)
    asked: list[str] = []
    for i in range(100):
        question = f"Question {i}: does microneedling shrink pores?"
        store.log_answer(session_id="long-session", question=question, history=asked, answer=answer)
        asked.append(question)
    records = store.records()
    assert len(records) == 100
    assert max(len(r.history) for r in records) == settings.max_history_turns == 6
    last = next(r for r in records if r.question.startswith("Question 99:"))
    assert last.history == tuple(asked[-7:-1])  # the six the engine read, oldest first


def test_a_full_client_quota_drops_the_oldest_records_and_staff_still_log_in(settings, answer):
    accounts = AccountStore(settings)
    accounts.add("dr.lee", PASSWORD, role="admin", actor="system")
    store = FeedbackStore(settings, background=False)
    long_question = "Does microneedling shrink pores? " * 50
    for i in range(120):  # well past the quota: about 3 KB a record, 50 KB of room
        store.log_answer(session_id=f"visitor-{i}", question=f"{long_question} ({i})", history=[], answer=answer)
    usage = store.usage()
    records = store.records()
    assert usage.dropped > 0 and usage.dropping, "the quota never filled: the test proves nothing"
    assert usage.bytes <= usage.quota_bytes
    assert len(records) + usage.dropped == 120  # every new record was kept; the oldest made room
    assert records[0].question.endswith("(119)") and not any(r.question.endswith("(0)") for r in records)
    # Staff data neither counts against the quota nor is refused when it is full.
    assert accounts.authenticate("dr.lee", PASSWORD).name == "dr.lee"
    accounts.add("anna", PASSWORD + " two", role="editor", actor="dr.lee")
    AuditLog(settings).record("dr.lee", "answer.approve", subject="How many sessions?", detail={"revision": 1})
    assert {e.action for e in AuditLog(settings).recent(limit=10)} >= {"login", "account.add", "answer.approve"}


def test_the_quota_counts_what_is_stored_and_a_comment_grows_it(settings, answer):
    store = FeedbackStore(settings.replace(feedback_max_mb=10), background=False)
    key = store.log_answer(session_id="s", question="Does it hurt?", history=["Is it safe?"], answer=answer)
    before = store.usage().bytes
    store.rate(key, 0, "Not enough detail about the numbing cream" * 3)
    after = store.usage().bytes
    assert after - before == len(("Not enough detail about the numbing cream" * 3).encode())

    def stored_bytes(tx):
        rows = tx.all("SELECT question, history, answer, citations, comment FROM feedback")
        return sum(len((r[c] or "").encode()) for r in rows for c in ("question", "history", "answer", "citations", "comment"))

    assert Database(settings, what="test", error=FeedbackStoreError).read(stored_bytes, empty=0) == after


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path, answer):
    settings = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'new' / 'chatbot.sqlite3'}")
    FeedbackStore(settings).log_answer(session_id="s", question="Does it hurt?", history=[], answer=answer)
    path = tmp_path / "new" / "chatbot.sqlite3"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path.parent).st_mode & 0o777 == 0o700
    for side in path.parent.glob("chatbot.sqlite3-*"):  # the WAL and its index, while they exist
        assert os.stat(side).st_mode & 0o077 == 0, side
