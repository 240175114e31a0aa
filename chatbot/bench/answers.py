"""Answer latency of a running engine for ``make bench``: warm and uncached answers, the bare query
embedding, the same on one torch thread, and a cProfile of the uncached answers."""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from typing import TYPE_CHECKING

from chatbot.bench.rows import Row, row, timed

if TYPE_CHECKING:  # types only: importing the engine loads langchain and chromadb, which `--help` should not wait for
    from chatbot.engine.interface import AnswerEngine
    from chatbot.knowledge.embeddings import Embedder

WARMUP_QUESTIONS = 20
"""Answers before any measurement: first calls pay for lazy imports and allocator growth."""
PROFILE_TOP = 15
PROFILE_QUESTIONS = 50
"""Enough answers for a stable profile without doubling the run time."""


def clear_query_cache(engine: AnswerEngine) -> None:
    """Forget every cached query embedding, so the next question is embedded as if never asked.

    The Embedder has no public way to do this, so the bench reaches into its cache (benchmark only).
    """
    with engine.embedder._cache_lock:
        engine.embedder._cache.clear()


def measure_answers(engine: AnswerEngine, pairs: list[tuple[str, list[str]]]) -> list[Row]:
    """Warm answers with every query embedding already cached, split into the pipeline's stages."""
    for question, history in pairs[:WARMUP_QUESTIONS]:
        engine.ask(question, history)
    for question, history in dict.fromkeys((q, tuple(h)) for q, h in pairs):
        engine.ask(question, list(history))  # every question's embedding is now cached
    wall, retrieve, answer = [], [], []
    for question, history in pairs:
        start = time.perf_counter()
        result = engine.ask(question, history)
        wall.append((time.perf_counter() - start) * 1000)
        retrieve.append(result.timings_ms["retrieve"])
        answer.append(result.timings_ms["answer"])
    return [
        row("answer, warm, embedding cached", wall, "wall time of Engine.ask"),
        row("  of which prepare+retrieve", retrieve, "timings_ms.retrieve"),
        row("  of which guard+compose", answer, "timings_ms.answer"),
    ]


def measure_uncached(engine: AnswerEngine, pairs: list[tuple[str, list[str]]], *, label: str = "") -> Row:
    """Warm answers to questions as if never asked before (cache emptied before each)."""
    samples = []
    for question, history in pairs:
        clear_query_cache(engine)
        samples.append(timed(lambda q=question, h=history: engine.ask(q, h)))
    return row(f"answer, warm, uncached question{label}", samples, "query-embedding cache emptied before each")


def measure_embedding(embedder: Embedder, pairs: list[tuple[str, list[str]]], *, label: str = "") -> Row:
    questions = [q for q, _ in pairs]
    samples = [timed(lambda q=q: embedder.model.encode([q], normalize_embeddings=True, convert_to_numpy=True)) for q in questions]
    return row(f"bare query embedding (model.encode){label}", samples, "one question per call")


def measure_single_thread(engine: AnswerEngine, pairs: list[tuple[str, list[str]]]) -> list[Row]:
    """The same two measurements with torch on one thread. A one-question encode gains little from
    a second thread, and on a shared machine torch's threads wait for each other's busy core."""
    import torch

    threads = torch.get_num_threads()
    if threads <= 1:
        return []
    torch.set_num_threads(1)
    try:
        return [measure_uncached(engine, pairs, label=", torch 1 thread"),
                measure_embedding(engine.embedder, pairs, label=", torch 1 thread")]
    finally:
        torch.set_num_threads(threads)


def profile_uncached(engine: AnswerEngine, pairs: list[tuple[str, list[str]]], *, top: int = PROFILE_TOP) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for question, history in pairs:
        clear_query_cache(engine)
        engine.ask(question, history)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(top)
    return buffer.getvalue()
