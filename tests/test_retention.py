"""Retention, export and erasure of client records (chatbot/store/retention.py, `chatbot privacy`), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from conftest import chatbot_env, make_settings

from chatbot.errors import FeedbackStoreError
from chatbot.store.audit import AuditLog
from chatbot.store.database import Database
from chatbot.store.feedback import FeedbackStore

pytestmark = pytest.mark.slow
SECRET = "Quokka-Zebra-77 here, is microneedling OK with my eczema?"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path, built_settings):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'chatbot.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    return make_settings(tmp_path, index_dir=built_settings.index_dir, database_url=url)


@pytest.fixture(scope="module")
def answer(engine):
    return engine.ask("Does microneedling shrink pores?")


def privacy(settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chatbot.cli", "privacy", *args], env=chatbot_env(settings),
                          input=stdin, capture_output=True, text=True, timeout=300)


def age(settings, session: str, days: int) -> None:
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    db = Database(settings, what="test", error=FeedbackStoreError)
    db.write(lambda tx: tx.run("UPDATE feedback SET created_at = :when WHERE session_id = :s", when=when, s=session))


def sessions(settings) -> set[str]:
    return {r.session_id for r in FeedbackStore(settings, background=False).records()}


def test_purge_deletes_what_is_older_than_the_retention(settings, answer):
    store = FeedbackStore(settings, background=False)
    for session, days in (("old", 120), ("edge", 91), ("recent", 89), ("today", 0)):
        store.log_answer(session_id=session, question=f"Does it hurt? ({session})", history=[], answer=answer)
        age(settings, session, days)
    run = privacy(settings, "purge")
    assert run.returncode == 0, run.stderr
    assert "deleted 2 client records older than 90 days" in run.stdout
    assert sessions(settings) == {"recent", "today"}
    db = Database(settings, what="test", error=FeedbackStoreError)
    assert store.usage().bytes == db.read(lambda tx: tx.scalar("SELECT SUM(size) FROM feedback"), empty=0)  # the quota forgot them too
    [entry] = AuditLog(settings).recent(action="privacy.purge")
    assert entry.detail["records"] == 2
    assert privacy(settings, "purge").stdout.startswith("deleted 0 client records")


def test_erase_by_text_removes_every_record_of_that_conversation_and_audits_without_the_text(settings, answer):
    store = FeedbackStore(settings, background=False)
    store.log_answer(session_id="jane", question=SECRET, history=[], answer=answer)
    store.log_answer(session_id="jane", question="and how long is the redness?", history=[SECRET], answer=answer)
    store.log_answer(session_id="other", question="Does microneedling hurt?", history=[], answer=answer)
    refused = privacy(settings, "erase", "--text", "quokka-zebra-77")  # stdin is not a terminal and no --yes
    assert refused.returncode != 0 and "--yes" in refused.stderr and "Traceback" not in refused.stderr
    assert sessions(settings) == {"jane", "other"}  # nothing erased without confirmation
    done = privacy(settings, "erase", "--text", "quokka-zebra-77", "--yes", "--by", "dr.lee")
    assert done.returncode == 0, done.stderr
    assert "erased 2 client records in 1 conversation" in done.stdout
    assert sessions(settings) == {"other"}
    [entry] = AuditLog(settings).recent(action="privacy.erase")
    assert entry.detail == {"by": "text", "records": 2, "sessions": 1} and "dr.lee" in entry.actor
    everything = json.dumps([(e.actor, e.subject, e.detail) for e in AuditLog(settings).recent(limit=100)])
    assert "Quokka" not in everything and "quokka" not in everything and "jane" not in everything


def test_erase_also_removes_the_website_conversation_that_kept_their_questions(settings, answer):
    from chatbot.store.conversations import ConversationStore, new_conversation_id

    conversations = ConversationStore(settings)
    logged, unlogged, other = new_conversation_id(), new_conversation_id(), new_conversation_id()
    conversations.add(logged, SECRET)
    FeedbackStore(settings, background=False).log_answer(session_id=logged, question=SECRET, history=[], answer=answer)
    conversations.add(unlogged, "and for Quokka-Zebra-77 again: eczema?")  # its answer was never logged
    conversations.add(other, "Does microneedling hurt?")
    done = privacy(settings, "erase", "--text", "quokka-zebra-77", "--yes")
    assert done.returncode == 0, done.stderr
    assert "erased 1 client records in 2 conversation(s)" in done.stdout
    assert conversations.questions(logged) is None and conversations.questions(unlogged) is None
    assert conversations.questions(other) == ("Does microneedling hurt?",)
    gone = privacy(settings, "erase", "--session", other, "--yes")
    assert gone.returncode == 0 and conversations.questions(other) is None


def test_export_gives_one_persons_records_and_erase_by_session_id(settings, answer):
    store = FeedbackStore(settings, background=False)
    key = store.log_answer(session_id="abc123", question=SECRET, history=[], answer=answer)
    store.rate(key, 1, "very clear, thanks")
    store.log_answer(session_id="someone-else", question="Is it painful?", history=[], answer=answer)
    exported = privacy(settings, "export", "--session", "abc123")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["sessions"] == ["abc123"]
    [record] = data["records"]
    assert record["question"] == SECRET and record["comment"] == "very clear, thanks" and record["rating"] == 1
    assert [e.detail for e in AuditLog(settings).recent(action="privacy.export")] == [{"by": "session", "records": 1, "sessions": 1}]
    assert privacy(settings, "erase", "--session", "abc123", "--yes").returncode == 0
    assert sessions(settings) == {"someone-else"}
    assert json.loads(privacy(settings, "export", "--session", "abc123").stdout)["records"] == []


def test_a_text_too_short_to_be_one_persons_is_refused_in_one_line(settings, answer):
    FeedbackStore(settings, background=False).log_answer(session_id="s", question="Does it hurt?", history=[], answer=answer)
    run = privacy(settings, "erase", "--text", "hurt", "--yes")
    assert run.returncode != 0 and run.stderr.startswith("error: ") and len(run.stderr.strip().splitlines()) == 1
    assert sessions(settings) == {"s"}


def test_the_app_purges_at_start(settings, answer):
    from chatbot.store.retention import purge_at_start

    store = FeedbackStore(settings, background=False)
    store.log_answer(session_id="old", question="Does it hurt?", history=[], answer=answer)
    age(settings, "old", 400)
    purge_at_start(settings)
    assert sessions(settings) == set()
