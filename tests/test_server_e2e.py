"""Server mode end to end: a real `chroma run` on a free loopback port.

`chatbot ingest`, `chatbot ask`, a re-ingest and the app's chat all run against the
server, and every answer must equal the embedded index's answer for the same corpus.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, ChromaProcess, answer_key, chatbot_env, copy_corpus, make_settings
from streamlit.testing.v1 import AppTest

from chatbot.engine.engine import Engine
from chatbot.knowledge.index import build_index
from chatbot.store.feedback import FeedbackStore
from chatbot.store.redaction import redact

pytestmark = [pytest.mark.server, pytest.mark.slow]

QUESTIONS = [
    "Does microneedling shrink pores?",
    "How long does a microneedling appointment last?",
    "Can microneedling improve acne scars?",
    "I'm pregnant, can I have microneedling?",
    "What is the capital of France?",
]
NEW_ARTICLE = """---
slug: microneedling-and-exercise
title: "Exercise After Microneedling"
---
Many active clients want to know when they can train again after microneedling.

### When to return to the gym
Avoid heavy exercise, saunas and swimming pools for forty-eight hours after microneedling. Sweat and chlorine can irritate the tiny channels in freshly treated skin. A gentle walk is fine on the day of the treatment.
"""
NEW_QUESTION = "Can I swim after microneedling?"
RUN_SECONDS = 600


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    run = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", *args], env=chatbot_env(settings), capture_output=True, text=True, timeout=RUN_SECONDS
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def _cli_answers(settings, questions: list[str], tmp_path: Path) -> dict[str, dict]:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    out = _cli(settings, "ask", "--jsonl", str(path)).stdout
    return {r["question"]: r for r in map(json.loads, out.splitlines())}


def _same(cli_record: dict, answer) -> bool:
    return (
        cli_record["answer"] == answer.text
        and [c["chunk_id"] for c in cli_record["citations"]] == [c.chunk_id for c in answer.citations]
        and cli_record["guardrail"]["category"] == answer.guardrail.category
    )


def test_ingest_ask_reingest_and_chat_against_a_chroma_server(tmp_path, built_settings, engine, embedder, monkeypatch):
    corpus = copy_corpus(tmp_path / "corpus")
    server = ChromaProcess(tmp_path / "chroma-data").start()
    try:
        served = make_settings(tmp_path, corpus_dir=corpus, chroma_host="127.0.0.1", chroma_port=server.port, index_refresh_seconds=0.1)
        assert "indexed 5 articles" in _cli(served, "ingest", "--quiet").stdout

        # the CLI and an in-process engine on the server answer exactly as the embedded index does
        expected = {q: engine.ask(q) for q in QUESTIONS}
        cli = _cli_answers(served, QUESTIONS, tmp_path)
        differ = [(q, cli[q], expected[q].to_json()) for q in QUESTIONS if not _same(cli[q], expected[q])]
        assert differ == [], "server answers differ from embedded ones"
        bot = Engine(served, embedder=embedder)
        assert all(answer_key(bot.ask(q)) == answer_key(expected[q]) for q in QUESTIONS)

        # re-ingest a changed corpus: the running engine switches without a restart
        (corpus / "microneedling-and-exercise.md").write_text(NEW_ARTICLE, encoding="utf-8")
        old_version = bot.index.version
        report = _cli(served, "ingest", "--quiet").stdout
        assert "indexed 6 articles" in report and "reused" in report
        deadline = time.monotonic() + 30
        while bot.index.snapshot().version == old_version and time.monotonic() < deadline:
            time.sleep(0.1)
        assert bot.index.version != old_version

        # ...and answers as an embedded index of the same changed corpus does
        local = tmp_path / "embedded"
        shutil.copytree(built_settings.index_dir, local / "index")
        embedded_settings = make_settings(local, corpus_dir=corpus)
        build_index(embedded_settings, embedder, show_progress=False)
        embedded = Engine(embedded_settings, embedder=embedder)
        for q in [*QUESTIONS, NEW_QUESTION]:
            assert answer_key(bot.ask(q)) == answer_key(embedded.ask(q)), q
        assert "microneedling-and-exercise" in {c.article for c in bot.ask(NEW_QUESTION).citations}

        # the app's chat, configured for the server through CHATBOT_CHROMA_HOST/PORT
        for name, value in chatbot_env(served, CHATBOT_FEEDBACK_DB=str(tmp_path / "feedback.sqlite3")).items():
            if name.startswith("CHATBOT_"):
                monkeypatch.setenv(name, value)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run(timeout=RUN_SECONDS)
        assert not at.exception, at.exception
        at.chat_input[0].set_value(NEW_QUESTION).run()
        assert not at.exception, at.exception
        [record] = FeedbackStore(served.replace(feedback_db=tmp_path / "feedback.sqlite3")).records()
        assert record.answer == redact(embedded.ask(NEW_QUESTION).text)
        assert "microneedling-and-exercise" in {c["article"] for c in record.citations}
    finally:
        server.stop()
