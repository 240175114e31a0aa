"""The store on a real PostgreSQL server under load and faults (chatbot/store/throwaway_postgres.py starts it).

* 16 sessions x 500 writes (answers logged, ratings, drafts and approvals) lose and duplicate nothing;
* a server restart in the middle of a run: a staff write that cannot wait says so clearly, the
  queued feedback waits and is stored once the server is back, nothing lost or stored twice;
* a wrong password or an unreachable host: one line from the CLI, a friendly box in the app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, add_accounts, chatbot_env, make_settings
from streamlit.testing.v1 import AppTest

from chatbot.errors import ReviewedAnswersError
from chatbot.reviewed.model import AnswerContent, Source
from chatbot.reviewed.store import ReviewStore
from chatbot.store.audit import AuditLog
from chatbot.store.feedback import HELPFUL, FeedbackStore

pytestmark = pytest.mark.slow

SESSIONS, WRITES = 16, 500
QUOTE = "While some improvements can be seen after one session, multiple treatments may be necessary for more significant results."


@pytest.fixture(scope="module")
def answer(engine):
    return engine.ask("Does microneedling shrink pores?")


def content(question: str, n: int) -> AnswerContent:
    return AnswerContent(question, f"{QUOTE} [1] (version {n})", (Source("microneedling-acne-scars", QUOTE),), ())


def session_writes(settings, answer, n: int, writes: int, errors: list, *, background: bool, progress: list | None = None) -> None:
    """One session's ``writes`` writes, in tens: 5 answers logged, 3 of them rated, a draft and its approval."""
    feedback = FeedbackStore(settings, background=background)
    reviews = ReviewStore(settings)
    question = f"Question of session {n}?"
    try:
        for block in range(writes // 10):
            keys = [feedback.log_answer(session_id=f"s{n}", question=f"s{n} q{block}-{i}", history=[], answer=answer) for i in range(5)]
            for key in keys[:3]:
                feedback.rate(key, HELPFUL, f"s{n} b{block}")
            revision = reviews.save_draft(content(question, block), author=f"ed{n}")
            reviews.approve(question, revision, approver=f"dr{n}")
            if progress is not None:
                progress.append(1)
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(f"session {n}: {type(exc).__name__}: {exc}")


def check_nothing_lost(settings, sessions: int, writes: int) -> None:
    records = FeedbackStore(settings, background=False).records()
    blocks = writes // 10
    expected = sorted(f"s{n} q{b}-{i}" for n in range(sessions) for b in range(blocks) for i in range(5))
    assert sorted(r.question for r in records) == expected, "an answer was lost or stored twice"
    rated = [r for r in records if r.rating == HELPFUL]
    assert len(rated) == sessions * blocks * 3 and all(r.comment == f"{r.session_id} b{r.question.split()[1][1:].split('-')[0]}" for r in rated)
    served = {a.question: a for a in ReviewStore(settings).served()}
    for n in range(sessions):
        answer = served[f"Question of session {n}?"]
        assert answer.revision == answer.latest_revision == blocks and answer.reviewed_by == f"dr{n}", answer
    approvals = AuditLog(settings).recent(limit=100_000, action="answer.approve")
    assert len(approvals) == sessions * blocks, "every approval is in the audit log once"


def run_sessions(settings, answer, sessions: int, writes: int, *, background: bool, progress: list | None = None) -> list[str]:
    errors: list[str] = []
    add_accounts(settings, *(f"dr{n}" for n in range(sessions)))
    threads = [threading.Thread(target=session_writes, args=(settings, answer, n, writes, errors),
                                kwargs={"background": background, "progress": progress}) for n in range(sessions)]
    for t in threads:
        t.start()
    return threads, errors


def test_16_sessions_of_500_writes_lose_and_duplicate_nothing(postgres_url, tmp_path, answer):
    settings = make_settings(tmp_path, database_url=postgres_url, database_pool_size=8)
    started = time.monotonic()
    threads, errors = run_sessions(settings, answer, SESSIONS, WRITES, background=False)
    for t in threads:
        t.join(timeout=900)
    assert not any(t.is_alive() for t in threads), "a session did not finish within 15 minutes"
    assert not errors, errors[:3]
    elapsed = time.monotonic() - started
    print(f"{SESSIONS * WRITES} writes from {SESSIONS} sessions in {elapsed:.1f} s ({SESSIONS * WRITES / elapsed:.0f} writes/s)")
    check_nothing_lost(settings, SESSIONS, WRITES)


def test_a_server_restart_mid_run_loses_nothing_and_says_so_clearly(postgres_server, postgres_url, tmp_path, answer):
    settings = make_settings(tmp_path, database_url=postgres_url)
    sessions, writes = 8, 100
    progress: list[int] = []
    threads, errors = run_sessions(settings, answer, sessions, writes, background=True, progress=progress)
    deadline = time.monotonic() + 120
    while len(progress) < sessions * writes // 10 // 3:
        assert time.monotonic() < deadline and not errors, errors
        time.sleep(0.05)
    postgres_server.stop()
    try:
        impatient = settings.replace(database_retry_seconds=0.5)
        with pytest.raises(ReviewedAnswersError, match=r"stopped answering \(restarting\?\).*nothing was changed; try again in a moment"):
            ReviewStore(impatient).save_draft(content("Asked while the server was down?", 0), author="ed")
        time.sleep(1.0)
        queued = FeedbackStore(settings)
        assert queued.pending() > 0 and "PostgreSQL database" in (queued.trouble or ""), "the queue knows why it waits"
    finally:
        postgres_server.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[:3]
    store = FeedbackStore(settings)
    assert store.flush(timeout=120) and store.pending() == 0 and store.trouble is None
    check_nothing_lost(settings, sessions, writes)
    assert ReviewStore(settings).get("Asked while the server was down?") is None, "the refused write left nothing behind"


# --- a wrong password, an unreachable host ------------------------------------------------------


def bad_urls(postgres_server, database: str) -> dict[str, tuple[str, str]]:
    """Each bad URL, and the words its one line must contain."""
    return {
        "wrong password": (postgres_server.url(database, password="not-the-password"), "refused the password of user 'chatbot'"),
        "unreachable port": (postgres_server.url(database, port=1), "cannot reach the PostgreSQL database"),
        "unknown host": (f"postgresql+psycopg://chatbot:x@db.invalid:5432/{database}", "cannot find the host 'db.invalid'"),
        "no such database": (postgres_server.url("no_such_database"), "does not exist on that server"),
        "not a database URL": ("mysql://chatbot@localhost/clinic", "the store runs on sqlite:///FILE"),
    }


@pytest.mark.parametrize("case", ["wrong password", "unreachable port", "unknown host", "no such database", "not a database URL"])
def test_the_cli_says_in_one_line_what_is_wrong_with_the_database(postgres_server, postgres_url, built_settings, case):
    url, words = bad_urls(postgres_server, postgres_url.rsplit("/", 1)[1])[case]
    env = chatbot_env(built_settings, CHATBOT_DATABASE_URL=url)
    for command in (["db", "upgrade"], ["staff", "list"], ["answers", "check"]):
        done = subprocess.run([sys.executable, "-m", "chatbot.cli", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], (command, done.stderr)
        assert "Traceback" not in done.stderr and "not-the-password" not in done.stderr and "CHATBOT_DATABASE_URL" in done.stderr


@pytest.mark.parametrize("case", ["wrong password", "unreachable port"])
def test_the_app_shows_a_friendly_box_when_the_database_cannot_be_used(postgres_server, postgres_url, tmp_path, monkeypatch, case):
    url, words = bad_urls(postgres_server, postgres_url.rsplit("/", 1)[1])[case]
    for key in [k for k in os.environ if k.startswith("CHATBOT_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CHATBOT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("CHATBOT_DATABASE_URL", url)
    at = AppTest.from_file(str(Path(ROOT) / "pages" / "quality.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    message = " ".join(e.value for e in at.error).replace("\\", "")
    assert "not available right now" in message and words in message and "not-the-password" not in message, message
