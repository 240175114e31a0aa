"""Privacy: what visitors type stays out of the logs (unless debug logging is on).

A question carries a unique marker; every log record of every logger at INFO and
above, from the engine and from the CLI, must be free of it.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import chatbot_env

from chatbot.engine.engine import Engine
from chatbot.errors import InvalidQuestionError

MARKER = "Quokka-5521"


def _questions() -> list[tuple[str, list[str]]]:
    return [
        (f"My name is {MARKER}, does microneedling hurt?", []),
        (f"and what about the redness, {MARKER}?", [f"I am {MARKER} and I want microneedling"]),
        (f"What is the capital of France, asks {MARKER}?", []),  # out of scope
        (f"I am pregnant, {MARKER} here, can I have microneedling?", []),  # medical
        (f"My face is swollen and I have a fever after microneedling, {MARKER}", []),  # urgent
    ]


def test_info_logs_never_contain_the_question(built_settings, embedder, caplog):
    with caplog.at_level(logging.INFO):  # the root logger: every library's records are captured too
        engine = Engine(built_settings, embedder=embedder)  # loading logs at INFO: proof the capture works
        for question, history in _questions():
            engine.ask(question, history)
            list(engine.stream(question, history))
            engine.search(question)
        with pytest.raises(InvalidQuestionError):
            engine.ask(MARKER * 1_000)
    assert caplog.records, "nothing was logged at all: the capture is not working"
    leaked = [r.getMessage() for r in caplog.records if MARKER in r.getMessage()]
    assert leaked == []


@pytest.mark.slow
def test_verbose_cli_logs_never_contain_the_question(built_settings):
    run = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "-v", "ask", f"Hello, I am {MARKER}: is microneedling safe?"],
        env=chatbot_env(built_settings), capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "INFO" in run.stderr  # -v really logs at INFO
    assert MARKER not in run.stderr


# --- the chat app: feedback redaction and separate sessions ------------------------------------------

CONTACTS = {
    "jane.doe+clinic@example.co.uk": "jane.doe",
    "J.Smith@mail.example.com": "J.Smith",
    "+44 20 7946 0958": "7946 0958",
    "(555) 123-4567": "123-4567",
    "555.867.5309": "867.5309",
    "07700 900123": "900123",
    "+1-202-555-0143": "555-0143",
    "0049 30 901820": "901820",
}


@pytest.mark.slow
def test_contact_details_typed_in_the_chat_never_reach_the_feedback_file(chat_env, caplog):
    from conftest import chat, open_chat

    from chatbot.store.feedback import FeedbackStore

    contacts = list(CONTACTS)
    with caplog.at_level(logging.INFO):
        at = open_chat()
        chat(at, f"I'm {contacts[0]}, call {contacts[2]}: does microneedling shrink pores?")
        chat(at, f"and how long do the results last? {contacts[1]} / {contacts[3]} / {contacts[6]}")
        at.feedback(key="rating-2").set_value(0).run()
        at.text_input(key="comment-2").input(f"Not enough detail. Text me on {contacts[4]} or {contacts[5]} or {contacts[7]}")
        next(b for b in at.button if b.label == "Send comment").click().run()
    assert not at.exception, at.exception

    db = Path(chat_env.feedback_db)
    raw = b"".join(p.read_bytes() for p in db.parent.glob(f"{db.name}*"))  # the database and its WAL
    records = FeedbackStore(chat_env).records()
    assert len(records) == 2 and records[0].comment.startswith("Not enough detail")
    for contact, secret in CONTACTS.items():
        assert secret.encode() not in raw, contact
        assert secret not in caplog.text, contact
    stored = " ".join(f"{r.question} {' '.join(r.history)} {r.comment}" for r in records)
    assert stored.count("[email removed]") >= 2 and stored.count("[phone removed]") >= 6


@pytest.mark.slow
def test_two_concurrent_chat_sessions_never_see_each_others_history(chat_env):
    from conftest import chat, open_chat

    from chatbot.store.feedback import FeedbackStore

    first = {"pores": "Can microneedling make large pores look smaller?", "scars": "Can microneedling improve acne scars?"}
    follow_up = "how long do the results last?"
    open_chat()  # load the shared engine once, before the sessions race
    pages: dict[str, object] = {}
    errors: list[str] = []
    barrier = threading.Barrier(2, timeout=300)

    def session(name: str) -> None:
        try:
            at = open_chat()
            barrier.wait()
            chat(at, f"{first[name]} ({MARKER}-{name})")
            barrier.wait()
            chat(at, follow_up)
            pages[name] = at
        except Exception as exc:  # reported below, whatever it is
            errors.append(f"{name}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=session, args=(name,)) for name in first]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert errors == []
    for name, other in (("pores", "scars"), ("scars", "pores")):
        shown = " ".join(m.value for block in pages[name].chat_message for m in block.markdown).replace("\\", "")
        assert f"{MARKER}-{name}" in shown and f"{MARKER}-{other}" not in shown
    records = FeedbackStore(chat_env).records()
    by_session: dict[str, list] = {}
    for record in records:
        by_session.setdefault(record.session_id, []).append(record)
    assert len(by_session) == 2
    for own in by_session.values():
        follow = next(r for r in own if r.question == follow_up)
        [opening] = [r for r in own if r is not follow]
        assert follow.history == (opening.question,)  # its own earlier question, never the other session's


@pytest.mark.slow
def test_the_chat_stores_6_turns_of_history_and_stops_at_the_question_limit(chat_env, monkeypatch):
    from conftest import chat, open_chat

    from chatbot.store.feedback import FeedbackStore

    monkeypatch.setenv("CHATBOT_QUESTIONS_PER_DAY", "8")  # the day's limit, not the minute's: no clock in the test
    at = open_chat()
    questions = ["Does microneedling hurt?", "How long is the redness?", "Can I wear makeup after?", "How many sessions?",
                 "Does it help acne scars?", "Is it safe for dark skin?", "How long do results last?", "Can it shrink pores?"]
    for question in questions:
        reply = chat(at, question)
        assert not reply.error, question
    refused = chat(at, "And what about stretch marks?")
    assert any("limit of 8 questions per day" in e.value for e in refused.error)
    records = FeedbackStore(chat_env).records()
    assert sorted(r.question for r in records) == sorted(questions)  # the refused question was neither answered nor stored
    assert max(len(r.history) for r in records) == 6
    assert records[0].history == tuple(questions[1:7])
