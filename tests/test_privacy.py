"""Privacy: what visitors type stays out of the logs (unless debug logging is on).

A question carries a unique marker; every log record of every logger at INFO and
above, from the engine and from the CLI, must be free of it.
"""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from conftest import chatbot_env

from chatbot.chain import Engine
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
