"""The store on both back-ends: the embedded SQLite file and a real PostgreSQL server (chatbot/store/throwaway_postgres.py).

Every test here runs twice, once per back-end, through the same code the app uses: feedback,
staff accounts and their lockout, the audit log, reviewed answers and their approval, the
migrations, and the import of a database written by an earlier release (nothing lost).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT, add_accounts, chatbot_env, make_settings

from chatbot.errors import (
    AccountLockedError,
    DuplicateAccountError,
    FeedbackStoreError,
    ReviewConflictError,
    StoreImportError,
    WrongPasswordError,
)
from chatbot.reviewed.model import AnswerContent, Source
from chatbot.reviewed.store import ReviewStore
from chatbot.store import passwords
from chatbot.store.accounts import AccountStore
from chatbot.store.audit import AuditLog
from chatbot.store.database import Database
from chatbot.store.feedback import HELPFUL, NOT_HELPFUL, FeedbackStore
from chatbot.store.migrate import head_revision

CHEAP_HASH = {"staff_hash_memory_kib": 1024, "staff_hash_passes": 1}
PASSWORD = "tulip meadow river"
LEGACY_SCHEMA = Path(__file__).parent / "data" / "legacy_feedback_schema.sql"
QUOTE = "While some improvements can be seen after one session, multiple treatments may be necessary for more significant results."


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    if request.param == "sqlite":
        return make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'data' / 'chatbot.sqlite3'}", **CHEAP_HASH)
    url = request.getfixturevalue("postgres_url")
    return make_settings(tmp_path, database_url=url, **CHEAP_HASH)


@pytest.fixture
def clinicians(settings):
    """The clinicians the review tests approve as: the store checks that each is one."""
    add_accounts(settings, "dr.lee", "dr.kim", *(f"dr.{i}" for i in range(4)))


@pytest.fixture(scope="module")
def answer(engine):
    return engine.ask("Does microneedling shrink pores?")


def draft(question: str = "How many sessions will I need?") -> AnswerContent:
    return AnswerContent(question, f"{QUOTE} [1]", (Source("microneedling-acne-scars", QUOTE),), ("how many treatments",))


# --- feedback ------------------------------------------------------------------------------


def test_feedback_is_stored_redacted_and_rated(settings, answer):
    store = FeedbackStore(settings)
    first = store.log_answer(session_id="s1", question="mail me at ann@example.com: pores?", history=["hi"], answer=answer)
    second = store.log_answer(session_id="s2", question="Do pores shrink?", history=[], answer=answer)
    store.rate(first, HELPFUL, "call +44 20 7946 0958")
    store.rate(second, NOT_HELPFUL)
    assert store.flush(timeout=30)
    records = store.records()
    assert [r.session_id for r in records] == ["s2", "s1"]
    older = records[1]
    assert "ann@example.com" not in older.question and "[email removed]" in older.question
    assert older.rating == HELPFUL and "7946" not in older.comment and older.history == ("hi",)
    assert records[0].rating == NOT_HELPFUL and records[0].unanswered
    assert older.citations and older.citations[0]["article"] == answer.citations[0].article


def test_feedback_from_many_threads_is_all_there(settings, answer):
    store = FeedbackStore(settings)
    keys: list[str] = []
    lock = threading.Lock()

    def session(n: int) -> None:
        for i in range(15):
            key = store.log_answer(session_id=f"s{n}", question=f"question {n}-{i}", history=[], answer=answer)
            store.rate(key, HELPFUL if i % 2 else NOT_HELPFUL)
            with lock:
                keys.append(key)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert store.flush(timeout=60)
    records = store.records()
    assert len(records) == len(keys) == 90
    assert sorted(r.question for r in records) == sorted(f"question {n}-{i}" for n in range(6) for i in range(15))
    assert all(r.rating is not None for r in records)


# --- staff accounts, lockout, audit ----------------------------------------------------------


def test_names_ignore_case_and_a_slow_down_holds_for_every_store(settings):
    AccountStore(settings).add("Anna", PASSWORD, role="clinician")
    with pytest.raises(DuplicateAccountError, match="already exists"):
        AccountStore(settings).add("anna", PASSWORD, role="editor")
    assert AccountStore(settings).authenticate("ANNA", PASSWORD).name == "Anna"
    for _ in range(settings.staff_lockout_attempts - 1):
        with pytest.raises(WrongPasswordError):
            AccountStore(settings).authenticate("anna", "not the password")
    with pytest.raises(AccountLockedError):
        AccountStore(settings).authenticate("anna", "not the password")
    with pytest.raises(AccountLockedError, match="next try is possible in"):  # another store (as another app instance would)
        AccountStore(settings).authenticate("Anna", PASSWORD)
    assert AccountStore(settings).get("anna").status.startswith("slowed down until")
    AccountStore(settings).unlock("anna", actor="cli:test")
    assert AccountStore(settings).authenticate("anna", PASSWORD).role == "clinician"


def test_concurrent_wrong_passwords_are_each_counted(settings):
    AccountStore(settings).add("bo", PASSWORD, role="editor")
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            AccountStore(settings).authenticate("bo", "wrong wrong wrong")
        except (WrongPasswordError, AccountLockedError) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(settings.staff_lockout_attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("AccountLockedError") == 1, outcomes  # exactly the last one locks: no count was lost
    with pytest.raises(AccountLockedError):
        AccountStore(settings).authenticate("bo", PASSWORD)


def test_audit_log_filters_by_action_prefix(settings):
    log = AuditLog(settings)
    for action in ("login", "login.failed", "login_x", "account.add"):
        log.record("cli:test", action, subject="anna", detail={"n": action})
    assert [e.action for e in log.recent(action="login.*")] == ["login.failed"]
    assert {e.action for e in log.recent(action="login*")} == {"login", "login.failed", "login_x"}
    assert log.recent(1)[0].detail == {"n": "account.add"}


# --- reviewed answers -----------------------------------------------------------------------


def test_a_draft_is_served_once_approved_and_approved_only_once(settings, clinicians):
    store = ReviewStore(settings)
    before = store.version()
    revision = store.save_draft(draft(), author="ed")
    assert not store.served() and store.version() > before
    store.approve("How many sessions will I need?", revision, approver="dr.lee")
    [served] = store.served()
    assert served.reviewed_by == "dr.lee" and served.content.sources[0].quote == QUOTE
    with pytest.raises(ReviewConflictError, match="already approved by dr.lee"):
        store.approve("How many sessions will I need?", revision, approver="dr.kim")
    with pytest.raises(ReviewConflictError, match="changed meanwhile"):
        store.save_draft(draft(), author="ed", based_on=revision - 1 if revision > 1 else 99)
    store.withdraw("How many sessions will I need?", actor="dr.lee")
    assert not store.served()
    assert [e.action for e in AuditLog(settings).recent(action="answer.*")][:3] == ["answer.withdraw", "answer.approve", "answer.edit"]


def test_two_clinicians_approving_at_once_get_one_approval(settings, clinicians):
    store = ReviewStore(settings)
    revision = store.save_draft(draft(), author="ed")
    results: list[str] = []

    def approve(name: str) -> None:
        try:
            ReviewStore(settings).approve("How many sessions will I need?", revision, approver=name)
            results.append("ok")
        except ReviewConflictError:
            results.append("conflict")

    threads = [threading.Thread(target=approve, args=(f"dr.{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["conflict"] * 3 + ["ok"]


# --- migrations and the old single-file layout -------------------------------------------------


def test_upgrade_creates_the_tables_and_is_idempotent(settings):
    db = Database(settings, what="test", error=FeedbackStoreError)
    assert db.upgrade() == head_revision() == db.upgrade()
    assert db.read(lambda tx: tx.scalar("SELECT version FROM reviewed_state WHERE id = 1"), empty=None) == 0


def test_a_database_file_emptied_in_place_gets_its_tables_back(tmp_path):
    """A file removed and made again can keep its inode number; the next use still finds its tables."""
    path = tmp_path / "data" / "chatbot.sqlite3"
    settings = make_settings(tmp_path, database_url=f"sqlite:///{path}", **CHEAP_HASH)
    db = Database(settings, what="the feedback", error=FeedbackStoreError)
    db.write(lambda tx: tx.run("UPDATE reviewed_state SET version = 5 WHERE id = 1"))
    inode = path.stat().st_ino
    for side in path.parent.glob("chatbot.sqlite3-*"):
        side.unlink()
    path.write_bytes(b"")  # the same inode, no tables
    assert path.stat().st_ino == inode
    assert db.read(lambda tx: tx.scalar("SELECT version FROM reviewed_state WHERE id = 1"), empty=None) == 0
    db.write(lambda tx: tx.run("UPDATE reviewed_state SET version = 6 WHERE id = 1"))
    assert db.read(lambda tx: tx.scalar("SELECT version FROM reviewed_state WHERE id = 1"), empty=None) == 6


def legacy_database(path: Path) -> dict:
    """A database as an earlier release wrote it (tests/data/legacy_feedback_schema.sql), with one row of each kind."""
    hasher = passwords.hasher(CHEAP_HASH["staff_hash_memory_kib"], CHEAP_HASH["staff_hash_passes"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(LEGACY_SCHEMA.read_text())
        for i in range(3):
            conn.execute(
                "INSERT INTO feedback (created_at, session_id, question, history, answer, citations, category, rating, comment, language) "
                "VALUES (?, ?, ?, '[]', ?, '[]', 'general', ?, ?, ?)",
                (f"2026-11-0{i + 1}T10:00:00+00:00", f"old{i}", f"old question {i}", f"old answer {i}", i % 2, f"note {i}", "es" if i else "en"),
            )
        conn.execute(
            "INSERT INTO staff_accounts (name, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)",
            ("Dr.Lee", "clinician", hasher.hash(PASSWORD), "2026-11-01T09:00:00+00:00", "2026-11-01T09:00:00+00:00"),
        )
        conn.execute("INSERT INTO reviewed_answers (question_key, question, status, published_revision, latest_revision, updated_at) "
                     "VALUES ('how many sessions will i need', 'How many sessions will I need?', 'reviewed', 1, 1, '2026-11-02T09:00:00+00:00')")
        conn.execute(
            "INSERT INTO reviewed_revisions (answer_id, number, question, answer, sources, also_asked, author, created_at, approved_by, approved_at) "
            "VALUES (1, 1, 'How many sessions will I need?', ?, ?, '[]', 'ed', '2026-11-02T09:00:00+00:00', 'Dr.Lee', '2026-11-02T09:05:00+00:00')",
            (f"{QUOTE} [1]", json.dumps([{"article": "microneedling-acne-scars", "quote": QUOTE}])),
        )
        conn.execute("UPDATE reviewed_state SET version = 7 WHERE id = 1")
        conn.execute("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ('2026-11-02T09:05:00+00:00', 'Dr.Lee', 'answer.approve', 'x', '{}')")
    return {"feedback": 3, "staff_accounts": 1, "reviewed_answers": 1, "reviewed_revisions": 1, "audit_log": 1}


def check_legacy_rows_arrived(settings, *, imported: bool = True) -> None:
    records = FeedbackStore(settings).records()
    assert sorted((r.question, r.answer, r.rating, r.comment, r.language) for r in records) == [
        (f"old question {i}", f"old answer {i}", i % 2, f"note {i}", "es" if i else "en") for i in range(3)
    ]
    assert AccountStore(settings).authenticate("dr.lee", PASSWORD).name == "Dr.Lee"
    [served] = ReviewStore(settings).served()
    assert served.reviewed_by == "Dr.Lee" and served.content.sources[0].quote == QUOTE
    assert ReviewStore(settings).version() > 7 if imported else ReviewStore(settings).version() == 7  # an import makes a running engine reload


def test_an_old_database_is_imported_with_nothing_lost(settings, tmp_path, monkeypatch, capsys):
    from chatbot.cli.main import main

    old = tmp_path / "old" / "feedback.sqlite3"
    legacy_database(old)
    digest = hashlib.sha256(old.read_bytes()).hexdigest()
    monkeypatch.setenv("CHATBOT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CHATBOT_DATABASE_URL", settings.database_url)
    assert main(["db", "import", str(old)]) == 0
    assert "imported 3 feedback, 1 staff_accounts" in capsys.readouterr().out
    check_legacy_rows_arrived(settings)
    store = ReviewStore(settings)  # new rows get new ids after the imported ones
    assert store.save_draft(draft("Does it hurt?"), author="ed") == 1 and len(store.answers()) == 2
    assert hashlib.sha256(old.read_bytes()).hexdigest() == digest, "the old file is only read"
    assert main(["db", "import", str(old)]) == 1  # never merged twice
    assert "already holds data" in capsys.readouterr().err


def test_importing_a_file_that_is_not_a_database_says_so(settings, tmp_path):
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("my notes\n" * 100)
    from chatbot.store.importing import read_source

    with pytest.raises(StoreImportError, match="not a database the chatbot wrote"):
        read_source(notes)


# --- SQLite only: the layout of earlier releases, in place and by default ------------------------


def test_an_old_file_named_by_the_old_setting_is_migrated_in_place(tmp_path):
    old = tmp_path / "data" / "feedback.sqlite3"
    legacy_database(old)
    settings = make_settings(tmp_path, feedback_db=old, **CHEAP_HASH)  # CHATBOT_FEEDBACK_DB, as before
    check_legacy_rows_arrived(settings, imported=False)
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
        assert "uid" in {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_default_database_takes_in_the_old_file_once(built_settings, tmp_path):
    workdir = tmp_path / "clinic"
    old = workdir / "data" / "feedback.sqlite3"
    legacy_database(old)
    digest = hashlib.sha256(old.read_bytes()).hexdigest()
    env = chatbot_env(built_settings)
    env.pop("CHATBOT_FEEDBACK_DB", None)
    env.pop("CHATBOT_DATABASE_URL", None)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "chatbot.cli", "db", "status"], cwd=workdir, env={**env, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "data/chatbot.sqlite3" in done.stdout and " 3 rows" in done.stdout, done.stdout  # three feedback rows, not six
    settings = make_settings(tmp_path, database_url=f"sqlite:///{workdir / 'data' / 'chatbot.sqlite3'}", **CHEAP_HASH)
    check_legacy_rows_arrived(settings)
    assert hashlib.sha256(old.read_bytes()).hexdigest() == digest
