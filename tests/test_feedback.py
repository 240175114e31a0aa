"""The feedback store: real SQLite files in tmp_path, real answers from the real engine."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT, make_settings

from chatbot.errors import FeedbackStoreError
from chatbot.store.feedback import HELPFUL, NOT_HELPFUL, FeedbackStore, group_similar
from chatbot.store.redaction import redact


@pytest.fixture(scope="module")
def pores_answer(engine):
    return engine.ask("Does microneedling shrink pores?")


@pytest.mark.parametrize(
    "text, secret",
    [
        ("call me on +44 20 7946 0958 tomorrow", "7946"),
        ("my number is (555) 123-4567", "123-4567"),
        ("text 555.123.4567 please", "555.123.4567"),
        ("mobile 07700 900123", "900123"),
        ("write to john.doe+x@mail.co.uk", "john.doe"),
        ("or +1-555-123-4567", "123-4567"),
        ("my landline 555-1234", "555-1234"),
    ],
)
def test_contact_details_are_redacted(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned
    assert "removed]" in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "I had 3-6 sessions with 0.5 mm to 2.5 mm needles",
        "treated on 2024-05-01 and again on 12/05/2024",
        "results after 4 to 6 weeks, 1.5-2.0 mm depth",
        "SPF 30 every day, between 2019 and 2023",
    ],
)
def test_doses_dates_and_durations_are_kept(text):
    assert redact(text) == text


def test_answer_is_logged_then_rated_with_everything_the_content_team_needs(tmp_path, pores_answer):
    store = FeedbackStore(make_settings(tmp_path, feedback_db=tmp_path / "new" / "folder" / "fb.sqlite3"))
    record_id = store.log_answer(session_id="abc123", question="Does microneedling shrink pores?", history=["Is it painful?"], answer=pores_answer)
    [unrated] = store.records()
    assert unrated.rating is None and unrated.category == "general"
    store.rate(record_id, NOT_HELPFUL, "It did not say how many sessions")
    [record] = store.records()
    assert record.question == "Does microneedling shrink pores?"
    assert record.history == ("Is it painful?",)
    assert record.answer == pores_answer.text
    assert [c["n"] for c in record.citations] == [c.n for c in pores_answer.citations]
    assert record.citations[0]["title"] == pores_answer.citations[0].title
    assert record.rating == NOT_HELPFUL and record.comment == "It did not say how many sessions"
    assert record.session_id == "abc123" and record.created_at.tzinfo is not None
    assert record.unanswered
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_personal_details_never_reach_the_database_file(tmp_path, pores_answer):
    store = FeedbackStore(make_settings(tmp_path))
    rid = store.log_answer(
        session_id="s", question="I'm Jane, jane.doe@example.com, 07700 900123 - does it shrink pores?",
        history=["reach me at (555) 123-4567"], answer=pores_answer,
    )
    store.rate(rid, HELPFUL, "thanks! call +44 20 7946 0958")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob(f"{store.path.name}*"))  # the database and its WAL
    for secret in (b"jane.doe@example.com", b"900123", b"123-4567", b"7946 0958"):
        assert secret not in raw
    [record] = store.records()
    assert "[email removed]" in record.question and "[phone removed]" in record.comment
    assert json.dumps(record.history).count("[phone removed]") == 1


def _write_many(path: str, worker: int, count: int) -> None:
    from chatbot.answering.model import Answer
    from chatbot.guardrail.verdict import GENERAL, GuardrailVerdict

    store = FeedbackStore(make_settings(Path(path).parent, feedback_db=Path(path)))
    answer = Answer(question="q", sentences=(), citations=(), guardrail=GuardrailVerdict(GENERAL, "", "", ""))
    for i in range(count):
        rid = store.log_answer(session_id=f"worker-{worker}", question=f"question {worker}-{i}", history=[], answer=answer)
        store.rate(rid, i % 2, f"comment {worker}-{i}")


WRITER = """
import sys
from pathlib import Path
from chatbot.answering.model import Answer
from chatbot.store.feedback import FeedbackStore
from chatbot.guardrail.verdict import GENERAL, GuardrailVerdict
from chatbot.settings import load_settings

path, worker, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
store = FeedbackStore(load_settings({"CHATBOT_CONFIG": "/nonexistent.toml"}, feedback_db=path))
answer = Answer(question="q", sentences=(), citations=(), guardrail=GuardrailVerdict(GENERAL, "", "", ""))
for i in range(count):
    rid = store.log_answer(session_id=f"worker-{worker}", question=f"question {worker}-{i}", history=[], answer=answer)
    store.rate(rid, i % 2, f"comment {worker}-{i}")
"""


def test_concurrent_sessions_never_lose_a_write(tmp_path):
    path = tmp_path / "busy.sqlite3"
    threads = [threading.Thread(target=_write_many, args=(str(path), w, 25)) for w in range(6)]
    # Other app instances are separate interpreters sharing the file (a fresh process, not a
    # fork or spawn of this one, which AppTest may have pointed at a page script).
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(100 + w), "25"], cwd=ROOT)
        for w in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for p in processes:
        assert p.wait(timeout=300) == 0
    records = FeedbackStore(make_settings(tmp_path, feedback_db=path)).records()
    assert len(records) == 9 * 25
    assert len({r.question for r in records}) == 9 * 25
    assert all(r.comment and r.rating in (0, 1) for r in records)


def test_folder_that_cannot_be_created_gives_a_clear_message(tmp_path, pores_answer):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = FeedbackStore(make_settings(tmp_path, feedback_db=blocker / "fb.sqlite3"))
    with pytest.raises(FeedbackStoreError, match="cannot create the folder .* CHATBOT_DATABASE_URL"):
        store.log_answer(session_id="s", question="q?", history=[], answer=pores_answer)


def test_path_that_is_a_folder_gives_a_clear_message(tmp_path, pores_answer):
    store = FeedbackStore(make_settings(tmp_path, feedback_db=tmp_path))
    with pytest.raises(FeedbackStoreError, match="is a folder"):
        store.log_answer(session_id="s", question="q?", history=[], answer=pores_answer)


def test_a_file_that_is_not_a_database_gives_a_clear_message(tmp_path, pores_answer):
    path = tmp_path / "fb.sqlite3"
    path.write_bytes(b"this is a spreadsheet, not SQLite" * 200)
    store = FeedbackStore(make_settings(tmp_path, feedback_db=path))
    with pytest.raises(FeedbackStoreError, match="is not a database"):
        store.log_answer(session_id="s", question="q?", history=[], answer=pores_answer)
    with pytest.raises(FeedbackStoreError, match="is not a database"):
        store.records()
    assert path.read_bytes().startswith(b"this is a spreadsheet")  # nothing was overwritten


def test_a_full_client_quota_keeps_the_newest_records_without_an_error(tmp_path, pores_answer):
    settings = make_settings(tmp_path, feedback_max_mb=0.02)  # about 20 KB: a handful of these records
    store = FeedbackStore(settings)
    long_question = "Does microneedling shrink pores? " * 60
    for i in range(40):
        store.log_answer(session_id="s", question=f"{long_question}({i})", history=[], answer=pores_answer)
    records = store.records()
    assert 0 < len(records) < 40
    assert [r.question[-4:] for r in records] == [f"({i})" for i in range(39, 39 - len(records), -1)]  # the newest, in order
    assert store.usage().dropped == 40 - len(records)


def test_rating_an_unknown_record_is_an_error(tmp_path, pores_answer):
    store = FeedbackStore(make_settings(tmp_path))
    store.log_answer(session_id="s", question="q?", history=[], answer=pores_answer)
    with pytest.raises(FeedbackStoreError, match="does not exist"):
        store.rate(999, HELPFUL)
    with pytest.raises(FeedbackStoreError, match="rating must be"):
        store.rate(1, 5)


def test_missing_database_reads_as_empty(tmp_path):
    assert FeedbackStore(make_settings(tmp_path, feedback_db=tmp_path / "none" / "fb.sqlite3")).records() == []
    assert not (tmp_path / "none").exists()


def test_rewordings_are_grouped_and_different_questions_are_not(tmp_path, embedder, engine):
    settings = make_settings(tmp_path)
    store = FeedbackStore(settings)
    questions = [
        "How much does microneedling cost?", "What is the price of a microneedling session?", "How expensive is microneedling?",
        "Can I microneedle my scalp for hair loss?", "Does microneedling help hair growth?",
        "Does microneedling help with rosacea?", "What's the capital of France?",
    ]
    for q in questions:
        store.log_answer(session_id="s", question=q, history=[], answer=engine.ask(q))
    records = list(reversed(store.records()))
    groups = group_similar(records, embedder.embed([r.question for r in records]), similarity=settings.unanswered_group_similarity)
    as_sets = [{r.question for r in g.questions} for g in groups]
    assert as_sets[0] == set(questions[:3])
    assert set(questions[3:5]) in as_sets
    assert {"Does microneedling help with rosacea?"} in as_sets
    assert {"What's the capital of France?"} in as_sets
    assert groups[0].size == 3 and groups[0].representative == questions[0]
