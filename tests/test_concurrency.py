"""Many visitors at once: 16 threads share one ``Engine``, as Streamlit's sessions do.

Each answer must be exactly the answer the same question gets when asked alone
(same text, same cited passages, same guardrail): a thread that received another
thread's answer, or a half-updated shared state, shows up as a difference.
Latency percentiles are printed, never asserted (the machine is shared).
"""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest
import yaml
from conftest import CORPUS, answer_key

from chatbot.chain import Engine
from chatbot.embeddings import Embedder

pytestmark = pytest.mark.slow

THREADS = 16
TOTAL_QUESTIONS = 1_000
SEED = 6


def _conversations() -> list[tuple[str, tuple[str, ...]]]:
    """The labelled questions (with their histories) and the common questions, plus light rewordings."""
    data = yaml.safe_load((CORPUS / "eval" / "questions.yaml").read_text(encoding="utf-8"))
    items = [(q["question"], tuple(q.get("history") or ())) for q in data["questions"]]
    common = yaml.safe_load((CORPUS / "common_questions.yaml").read_text(encoding="utf-8"))["questions"]
    items += [(q["question"], ()) for q in common]
    items += [(f"hi, {q[0].lower()}{q[1:]}", ()) for q, _ in items[::4]]
    return list(dict.fromkeys(items))


@pytest.fixture(scope="module")
def reference(engine) -> dict[tuple[str, tuple[str, ...]], tuple]:
    """Each conversation answered alone, one after the other, by the session's engine."""
    return {(q, h): answer_key(engine.ask(q, list(h))) for q, h in _conversations()}


def test_sixteen_sessions_get_their_own_answers(built_settings, embedder, reference):
    # A fresh engine: its query cache is cold, so threads embed concurrently, as at opening time.
    shared = Engine(built_settings, embedder=Embedder(embedder.model_path))
    work = list(reference) * (TOTAL_QUESTIONS // len(reference) + 1)
    random.Random(SEED).shuffle(work)
    work = work[:TOTAL_QUESTIONS]
    latencies: list[float] = []
    errors: list[str] = []
    mixed: list[str] = []
    lock = threading.Lock()

    def session(part: list[tuple[str, tuple[str, ...]]]) -> None:
        for question, history in part:
            started = time.perf_counter()
            try:
                answer = shared.ask(question, list(history))
            except Exception as exc:  # every failure is reported, whatever its type
                with lock:
                    errors.append(f"{question!r}: {type(exc).__name__}: {exc}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if answer.question != question or answer_key(answer) != reference[(question, history)]:
                    mixed.append(question)

    threads = [threading.Thread(target=session, args=(work[i::THREADS],)) for i in range(THREADS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    wall = time.perf_counter() - started

    assert not any(t.is_alive() for t in threads), "a session never finished"
    assert errors == []
    assert mixed == [], f"{len(mixed)} answers did not match their own question"
    assert len(latencies) == TOTAL_QUESTIONS
    p50, p95 = np.percentile(latencies, [50, 95])
    print(
        f"\n{TOTAL_QUESTIONS} questions ({len(reference)} distinct conversations) from {THREADS} threads "
        f"in {wall:.1f} s ({TOTAL_QUESTIONS / wall:.1f} answers/s): p50 {p50:.0f} ms, p95 {p95:.0f} ms per answer"
    )


def test_history_of_one_session_never_reaches_another(engine):
    """A follow-up is read with its own session's history only."""
    pores = ("Can microneedling make large pores look smaller?",)
    scars = ("Can microneedling improve acne scars?",)
    results: dict[str, list] = {"pores": [], "scars": []}

    def session(name: str, history: tuple[str, ...]) -> None:
        for _ in range(20):
            results[name].append(engine.ask("how long do the results last?", list(history)))

    threads = [threading.Thread(target=session, args=args) for args in (("pores", pores), ("scars", scars))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert {a.standalone_question for a in results["pores"]} == {results["pores"][0].standalone_question}
    assert {a.standalone_question for a in results["scars"]} == {results["scars"][0].standalone_question}
    assert "scar" not in results["pores"][0].standalone_question.lower()
    assert "pore" not in results["scars"][0].standalone_question.lower()

