"""A bad environment: a read-only index folder, a Chroma server that is down or restarts.

Each case must end in one of the named errors with a message saying what to do,
never a traceback, and the bot must come back by itself once the cause is fixed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ChromaProcess, answer_key, chatbot_env, free_port, make_settings

from chatbot.engine.engine import Engine
from chatbot.errors import ChromaUnavailableError, IndexWriteError
from chatbot.knowledge.index import build_index

QUESTION = "Does microneedling hurt?"
RECOVERY_SECONDS = 60


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable: the immutable flag for root (who ignores permissions), else chmod."""
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True)
    else:
        folder.chmod(0o555)
    try:
        try:
            (folder / ".probe").touch()
        except OSError:
            yield
            return
        (folder / ".probe").unlink()
        pytest.skip("this machine cannot make a folder read-only (root without chattr)")
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder)], check=False, capture_output=True)
        else:
            folder.chmod(0o755)


# --- the index folder ------------------------------------------------------------------


def test_ingest_into_a_read_only_folder_says_which_folder_and_what_to_do(tmp_path, embedder):
    folder = tmp_path / "index"
    folder.mkdir()
    settings = make_settings(tmp_path, index_dir=folder)
    with read_only(folder), pytest.raises(IndexWriteError) as caught:
        build_index(settings, embedder, show_progress=False)
    assert str(folder) in str(caught.value)
    assert "permissions" in str(caught.value) and "CHATBOT_INDEX_DIR" in str(caught.value)


def test_ingest_into_a_read_only_existing_index_leaves_it_intact(tmp_path, built_settings, embedder):
    shutil.copytree(built_settings.index_dir, tmp_path / "index")
    settings = make_settings(tmp_path)
    before = answer_key(Engine(settings, embedder=embedder).ask(QUESTION))
    with read_only(Path(settings.index_dir)):
        with pytest.raises(IndexWriteError, match="cannot write the index folder"):
            build_index(settings, embedder, show_progress=False)
        with pytest.raises(IndexWriteError, match="fix its permissions"):
            Engine(settings, embedder=embedder)  # Chroma writes its log even to answer
    assert answer_key(Engine(settings, embedder=embedder).ask(QUESTION)) == before


def test_index_folder_under_a_file_is_a_write_error_not_a_corrupt_index(tmp_path, embedder):
    (tmp_path / "not-a-folder").write_text("oops", encoding="utf-8")
    settings = make_settings(tmp_path, index_dir=tmp_path / "not-a-folder" / "index")
    with pytest.raises(IndexWriteError, match="cannot write the index folder"):
        build_index(settings, embedder, show_progress=False)


@pytest.mark.slow
def test_cli_reports_a_read_only_index_folder_in_one_line(tmp_path):
    folder = tmp_path / "index"
    folder.mkdir()
    settings = make_settings(tmp_path, index_dir=folder)
    with read_only(folder):
        run = subprocess.run(
            [sys.executable, "-m", "chatbot.cli", "ingest", "--quiet"], env=chatbot_env(settings), capture_output=True, text=True, timeout=600
        )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith(f"error: cannot write the index folder {folder}")


# --- the Chroma server ---------------------------------------------------------------------


def test_server_down_at_start_names_the_server_and_how_to_start_it(tmp_path, embedder):
    port = free_port()  # nothing listens there
    settings = make_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(ChromaUnavailableError) as caught:
        Engine(settings, embedder=embedder)
    assert f"127.0.0.1:{port}" in str(caught.value) and "chroma run" in str(caught.value)
    with pytest.raises(ChromaUnavailableError, match=f"127.0.0.1:{port}"):
        build_index(settings, embedder, show_progress=False)


@pytest.mark.slow
@pytest.mark.server
def test_cli_with_the_server_down_prints_one_line(tmp_path):
    settings = make_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    run = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "ask", QUESTION], env=chatbot_env(settings), capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith(f"error: Chroma server at 127.0.0.1:{settings.chroma_port} is not reachable")


@pytest.mark.slow
@pytest.mark.server
def test_server_outage_mid_session_gives_a_clear_error_then_answers_resume(tmp_path, built_settings, engine, embedder):
    # `chroma run` serves a copy of the built index folder: same data, no second embedding pass.
    data = tmp_path / "chroma-data"
    shutil.copytree(built_settings.index_dir, data)
    server = ChromaProcess(data).start()
    try:
        settings = make_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=server.port, index_refresh_seconds=0.1)
        bot = Engine(settings, embedder=embedder)
        expected = answer_key(engine.ask(QUESTION))
        assert answer_key(bot.ask(QUESTION)) == expected  # same answer as the embedded index

        server.stop()
        for _ in range(5):
            with pytest.raises(ChromaUnavailableError) as caught:
                bot.ask(QUESTION)
            assert f"127.0.0.1:{server.port}" in str(caught.value)
            time.sleep(0.2)

        server.start()  # same port, same data
        deadline = time.monotonic() + RECOVERY_SECONDS
        while True:
            try:
                answer = bot.ask(QUESTION)
                break
            except ChromaUnavailableError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert answer_key(answer) == expected
    finally:
        server.stop()


# --- the feedback database -------------------------------------------------------------------


def _cited(reply) -> bool:
    return any("](#source-" in str(n.value) for n in reply.markdown)


@pytest.mark.slow
def test_a_full_client_quota_keeps_the_chat_answering_and_rating(chat_env, monkeypatch):
    from conftest import chat, open_chat

    from chatbot.store.feedback import FeedbackStore

    monkeypatch.setenv("CHATBOT_FEEDBACK_MAX_MB", "0.03")  # about 30 KB: full after a few of these answers
    at = open_chat()
    long_question = "Does microneedling shrink pores? " * 59
    replies = [chat(at, f"{long_question} ({i})") for i in range(16)]
    assert all(_cited(r) for r in replies), "an answer went missing once the quota was full"
    store = FeedbackStore(chat_env.replace(feedback_max_mb=0.03))
    saved = store.records()
    assert 0 < len(saved) < len(replies) and store.usage().dropped > 0, "the quota never filled up: the test proves nothing"
    assert saved[0].question.endswith(f"({len(replies) - 1})")  # the newest is always kept
    at.feedback(key=f"rating-{len(replies)}").set_value(1).run()
    assert not any("could not be saved" in w.value for w in at.warning)
    assert store.records()[0].rating == 1
    assert _cited(chat(at, "How many microneedling sessions will I need?"))


@pytest.mark.slow
def test_a_feedback_database_deleted_mid_session_is_recreated(chat_env):
    from conftest import chat, open_chat

    from chatbot.store.feedback import FeedbackStore

    at = open_chat()
    assert _cited(chat(at, "Is microneedling painful?"))
    db = Path(chat_env.feedback_db)
    for path in db.parent.glob(f"{db.name}*"):
        path.unlink()
    shutil.rmtree(db.parent)
    assert _cited(chat(at, "How long does a microneedling appointment last?"))
    [record] = FeedbackStore(chat_env).records()
    assert record.question == "How long does a microneedling appointment last?"
