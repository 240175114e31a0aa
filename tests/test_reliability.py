"""Atomic re-ingest: questions answered while the index is rebuilt, or while an ingest is killed.

Every test copies the session's real index into its own folder, keeps one ``Engine``
answering the clinic's common questions in a background thread, and changes the
index from another process (`chatbot ingest`), as a content editor would while
visitors are chatting. An answer must always be exactly the one the old index or
the new index gives: a half-built index would give a third one, or an error.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import answer_key, chatbot_env, copy_corpus, make_settings

from chatbot.engine.engine import Engine
from chatbot.knowledge.chroma import connect, index_state

pytestmark = pytest.mark.slow

NEW_ARTICLE = """---
slug: microneedling-winter-season
title: "Is Winter the Best Season for Microneedling?"
---
Many clients ask whether the time of year matters for microneedling. Winter is often the best season to start a course of treatments.

### Why winter suits microneedling
Shorter days mean less sun on freshly treated skin while it heals. Treated skin stays more sensitive to ultraviolet light for about two weeks, so a daily broad-spectrum sunscreen remains essential even in winter.

### Planning sessions around the holidays
Book each winter session about four weeks after the previous one. Leave at least a week between a session and a big holiday party so any redness has time to settle.
"""
NEW_QUESTION = "Is winter a good season for microneedling?"
REMOVED_ARTICLE = "treat-large-pores.md"
LOOP_LIMIT = 2_000
"""Upper bound on questions per background loop, so a hung ingest cannot make the test spin forever."""
INGEST_TIMEOUT = 600


@pytest.fixture
def live_copy(tmp_path, built_settings, embedder):
    """A private copy of the real corpus and its built index, checked for new versions every 50 ms."""
    corpus = copy_corpus(tmp_path / "corpus")
    shutil.copytree(built_settings.index_dir, tmp_path / "index")
    settings = make_settings(tmp_path, corpus_dir=corpus, index_refresh_seconds=0.05)
    return settings, Engine(settings, embedder=embedder)


def _questions(engine: Engine) -> list[str]:
    return [q.question for q in engine.common_questions] + [NEW_QUESTION]


def _reference(engine: Engine, questions: list[str]) -> dict[str, tuple]:
    return {q: answer_key(engine.ask(q)) for q in questions}


class AnswerLoop(threading.Thread):
    """Asks the questions round-robin until stopped; records every answer and every error."""

    def __init__(self, engine: Engine, questions: list[str]) -> None:
        super().__init__(daemon=True)
        self.engine, self.questions = engine, questions
        self.answers: list[tuple[str, tuple]] = []
        self.errors: list[str] = []
        self._halt = threading.Event()

    def run(self) -> None:
        for i in range(LOOP_LIMIT):
            if self._halt.is_set():
                return
            q = self.questions[i % len(self.questions)]
            try:
                self.answers.append((q, answer_key(self.engine.ask(q))))
            except Exception as exc:  # the test reports every failure, whatever its type
                self.errors.append(f"{q!r}: {type(exc).__name__}: {exc}")

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=120)


def _ingest(settings, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chatbot.cli", "ingest", "--quiet"],
        env=chatbot_env(settings, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _versions(settings) -> list[str]:
    client = connect(settings)
    prefix = f"{settings.collection}-v"
    return sorted(n for n in (c if isinstance(c, str) else c.name for c in client.list_collections()) if n.startswith(prefix))


def _wait_for_switch(engine: Engine, old_version: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while engine.index.snapshot().version == old_version and time.monotonic() < deadline:
        time.sleep(0.05)


def test_reingest_while_answering_gives_old_or_new_answers_only(live_copy):
    settings, engine = live_copy
    questions = _questions(engine)
    before = _reference(engine, questions)
    old_version = engine.index.version

    (Path(settings.corpus_dir) / "microneedling-winter-season.md").write_text(NEW_ARTICLE, encoding="utf-8")
    (Path(settings.corpus_dir) / REMOVED_ARTICLE).unlink()
    loop = AnswerLoop(engine, questions)
    loop.start()
    ingest = _ingest(settings)
    out, err = ingest.communicate(timeout=INGEST_TIMEOUT)
    _wait_for_switch(engine, old_version)
    _wait_for_answers(loop, len(loop.answers) + len(questions))  # a full round on the new version
    loop.stop()

    assert ingest.returncode == 0, err
    assert "indexed 5 articles" in out
    assert engine.index.version != old_version, "the running engine did not pick up the new index"
    after = _reference(engine, questions)
    assert loop.errors == []
    assert len(loop.answers) >= len(questions)
    mixed = [(q, key) for q, key in loop.answers if key not in (before[q], after[q])]
    assert mixed == [], f"{len(mixed)} answers came from neither the old nor the new index"
    old_only = sum(key == before[q] != after[q] for q, key in loop.answers)
    new_only = sum(key == after[q] != before[q] for q, key in loop.answers)
    print(f"\n{len(loop.answers)} answers during the re-ingest: {old_only} only the old index gives, {new_only} only the new one")
    assert old_only and new_only, "the loop did not span the switch"
    # the change is visible: the new article answers its question, the removed one is never cited
    assert "microneedling-winter-season" in {c.article for c in engine.ask(NEW_QUESTION).citations}
    assert all(REMOVED_ARTICLE.removesuffix(".md") not in {c.article for c in engine.ask(q).citations} for q in questions)
    version = engine.index.version
    assert _versions(settings) == [version, f"{version}-dups", f"{version}-e5"], "old versions were not removed"


def test_killed_ingest_leaves_old_index_answering_and_next_ingest_completes(live_copy):
    settings, engine = live_copy
    questions = _questions(engine)
    before = _reference(engine, questions)
    old_version = engine.index.version
    (Path(settings.corpus_dir) / "microneedling-winter-season.md").write_text(NEW_ARTICLE, encoding="utf-8")

    loop = AnswerLoop(engine, questions)
    loop.start()
    # One record per Chroma add makes the write phase long enough to kill the ingest in the middle of it.
    ingest = _ingest(settings, CHATBOT_CHROMA_BATCH_SIZE="1")
    half_built = _wait_for_half_built_version(settings, old_version, ingest)
    os.kill(ingest.pid, signal.SIGKILL)
    ingest.wait(timeout=30)
    _wait_for_answers(loop, len(loop.answers) + len(questions))  # a full round after the crash
    loop.stop()
    print(f"\n{len(loop.answers)} answers around the killed ingest, all from {old_version}")

    assert ingest.returncode == -signal.SIGKILL
    assert half_built in _versions(settings), "the kill did not happen in the middle of writing"
    assert index_state(connect(settings), settings)["active"] == old_version
    assert loop.errors == []
    wrong = [(q, key) for q, key in loop.answers if key != before[q]]
    assert wrong == [], "a killed ingest changed what the bot answers"
    assert engine.index.version == old_version

    rerun = _ingest(settings)
    out, err = rerun.communicate(timeout=INGEST_TIMEOUT)
    assert rerun.returncode == 0, err
    assert "indexed 6 articles" in out
    _wait_for_switch(engine, old_version)
    live = engine.index.version
    assert live != old_version
    assert _versions(settings) == [live, f"{live}-dups", f"{live}-e5"], "the crashed ingest's leftovers were not removed"
    assert "microneedling-winter-season" in {c.article for c in engine.ask(NEW_QUESTION).citations}


def _wait_for_answers(loop: AnswerLoop, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(loop.answers) + len(loop.errors) < count and loop.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)


def _wait_for_half_built_version(settings, old_version: str, ingest: subprocess.Popen, timeout: float = INGEST_TIMEOUT) -> str:
    """Name of the version the ingest is writing, once it holds some but not all of its records."""
    from chatbot.knowledge.chroma import open_collection

    deadline = time.monotonic() + timeout
    client = connect(settings)
    while time.monotonic() < deadline:
        if ingest.poll() is not None:
            pytest.fail(f"ingest finished before it could be killed: {ingest.stderr.read()[-2000:]}")
        for name in _versions(settings):
            if name.startswith(old_version) or name.endswith("-dups"):
                continue
            try:
                if open_collection(client, name).count() >= 5:
                    return name
            except Exception:  # created a moment ago, not readable yet
                continue
        time.sleep(0.05)
    pytest.fail("the ingest never started writing a new version")
