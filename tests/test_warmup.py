"""The answer engine loads in the background: pages render before it is ready, and a question
asked meanwhile waits for it and is answered (``chatbot/engine/warmup.py``, ``chatbot/cli/serve.py``)."""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest
from test_app import (
    APP,
    FIRST_RUN_SECONDS,
    app_env,  # noqa: F401  (the fixture, shared with the app tests)
    texts,
)

from chatbot.engine.warmup import EngineLoader, engine_key
from chatbot.errors import IndexMissingError


def test_many_waiters_share_one_load(built_settings):
    calls = []

    def factory(settings):
        calls.append(settings)
        time.sleep(0.3)
        return object()

    loader = EngineLoader(factory)
    results = []
    threads = [threading.Thread(target=lambda: results.append(loader.wait(built_settings, timeout=30))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(calls) == 1
    assert len(results) == 8 and len({id(r) for r in results}) == 1
    assert loader.state(built_settings) == "ready"


def test_a_failed_load_is_reported_then_retried(built_settings):
    attempts = []

    def factory(settings):
        attempts.append(1)
        if len(attempts) == 1:
            raise IndexMissingError()
        return "engine"

    loader = EngineLoader(factory)
    with pytest.raises(IndexMissingError, match="chatbot ingest"):
        loader.wait(built_settings, timeout=30)
    assert loader.state(built_settings) == "failed"
    assert loader.wait(built_settings, timeout=30) == "engine"  # e.g. after the index was built
    assert len(attempts) == 2


def test_waiting_too_long_says_so(built_settings):
    gate = threading.Event()
    loader = EngineLoader(lambda settings: gate.wait(30) and "engine")
    with pytest.raises(TimeoutError, match="not ready after"):
        loader.wait(built_settings, timeout=0.2)
    assert loader.state(built_settings) == "loading"
    gate.set()
    assert loader.wait(built_settings, timeout=30) == "engine"


def test_app_only_settings_share_one_engine(built_settings, tmp_path):
    other = built_settings.replace(feedback_db=tmp_path / "other.sqlite3", staff_password="x")
    assert engine_key(other) == engine_key(built_settings)
    assert engine_key(built_settings.replace(retrieval_k=built_settings.retrieval_k + 1)) != engine_key(built_settings)


def test_chat_renders_before_the_engine_and_a_question_asked_meanwhile_is_answered(app_env, monkeypatch):  # noqa: F811
    """The real engine, held back until the page has rendered: the chat box and starter
    questions show at once; the question typed then waits for the engine and is answered."""
    import pages.common
    from chatbot.engine.engine import Engine

    gate = threading.Event()

    def held_back_engine(settings):
        gate.wait(120)
        return Engine(settings)

    loader = EngineLoader(held_back_engine)
    monkeypatch.setattr(pages.common, "LOADER", loader)
    at = AppTest.from_file(str(APP), default_timeout=FIRST_RUN_SECONDS)
    at.run(timeout=30)
    assert not at.exception, at.exception
    assert loader.state(app_env) == "loading"
    assert at.chat_input, "the chat box is there before the engine"
    starters = [b for b in at.button if (b.key or "").startswith("starter-")]
    assert len(starters) == app_env.starter_questions, "starter questions come from the file, not the engine"

    threading.Timer(1.0, gate.set).start()
    at.chat_input[0].set_value("Does microneedling hurt?").run(timeout=FIRST_RUN_SECONDS)
    assert not at.exception, at.exception
    reply = at.chat_message[len(at.chat_message) - 1]
    shown = " ".join(texts(reply))
    assert "(#source-1-1)" in shown and "numbing cream" in shown, shown
    assert loader.state(app_env) == "ready"


def test_serve_starts_loading_the_engine_before_the_server_runs(built_settings, monkeypatch):
    """``chatbot serve`` hands over to the server (Streamlit's ``st.App`` with the API routes) only once
    the engine's load has begun."""
    from streamlit.web.server.starlette.starlette_app import App

    import chatbot.cli.serve
    import chatbot.engine.warmup

    seen = {}
    loader = EngineLoader()
    monkeypatch.setattr(chatbot.engine.warmup, "LOADER", loader)
    monkeypatch.setattr(App, "run", lambda app, *, config: seen.update(state=loader.state(built_settings), config=config, app=app))
    monkeypatch.setattr(chatbot.cli.serve.sys, "argv", ["chatbot"])
    assert chatbot.cli.serve.serve(built_settings, port=8765) == 0
    assert seen["state"] in ("loading", "ready")
    assert seen["app"].script_path == chatbot.cli.serve.APP
    assert seen["config"]["server.address"] == "127.0.0.1" and seen["config"]["server.port"] == 8765
    assert seen["config"]["browser.gatherUsageStats"] is False
    assert loader.wait(built_settings, timeout=FIRST_RUN_SECONDS).ask("Does microneedling hurt?").citations


def test_startup_vectors_are_read_not_recomputed_and_a_broken_file_is_ignored(built_settings, embedder, tmp_path):
    """After an ingest the engine reads the guardrail's and common questions' vectors from beside
    the index; they are the vectors the model gives, and a damaged file only costs time."""
    from chatbot.engine.startup import precompute_startup_vectors, startup_vectors

    stored = precompute_startup_vectors(built_settings, embedder)
    questions = ["Is microneedling painful?", "How many microneedling sessions will I need?"]
    held = startup_vectors(built_settings, embedder).get_many(questions)
    assert stored > 50 and set(held) == set(questions)
    for q in questions:
        assert abs(float(held[q] @ embedder.embed([q])[0]) - 1.0) < 1e-4

    if built_settings.multilingual:  # the multilingual guardrail's e5 vectors are stored the same way, in a file of their own
        from chatbot.knowledge.embeddings import multilingual_embedder

        e5 = multilingual_embedder()
        held_e5 = startup_vectors(built_settings, e5).get_many(questions)
        assert set(held_e5) == set(questions)
        assert abs(float(held_e5[questions[0]] @ e5.embed_queries([questions[0]])[0]) - 1.0) < 1e-4

    broken = startup_vectors(built_settings.replace(index_dir=tmp_path), embedder)
    broken.path.write_bytes(b"not a numpy file")
    assert broken.get_many(questions) == {}
    vectors = embedder.embed_stored(questions, broken)  # embeds, then repairs the file
    assert vectors.shape == (2, embedder.dimension)
    assert set(broken.get_many(questions)) == set(questions)
