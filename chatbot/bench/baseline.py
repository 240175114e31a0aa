"""The plain LangChain baseline ``make bench`` compares the bot with: ``HuggingFaceEmbeddings`` on the
same packaged model and ``langchain_chroma.Chroma.similarity_search(q, k=4)`` over the same passages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chatbot.bench.answers import WARMUP_QUESTIONS
from chatbot.bench.rows import Row, row, timed
from chatbot.settings import Settings

if TYPE_CHECKING:  # types only: importing the engine loads langchain and chromadb, which `--help` should not wait for
    from chatbot.engine.interface import AnswerEngine

BASELINE_K = 4
"""The plain LangChain baseline retrieves this many passages, as in the issue."""


def measure_baseline(settings: Settings, engine: AnswerEngine, pairs: list[tuple[str, list[str]]], folder: Path) -> list[Row]:
    """Plain LangChain: HuggingFaceEmbeddings + langchain_chroma over the same passages."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings

    from chatbot.knowledge.embeddings import default_model_path

    snap = engine.index.snapshot()
    got = snap.collection.get(include=["documents", "metadatas"])
    embeddings = HuggingFaceEmbeddings(model=default_model_path(), model_kwargs={"device": "cpu"})
    client = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(collection_name="baseline", embedding_function=embeddings, client=client,
                   collection_metadata={"hnsw:space": "cosine"})
    keys = ("article", "title", "section")
    build = timed(lambda: store.add_texts(got["documents"], metadatas=[{k: m[k] for k in keys} for m in got["metadatas"]],
                                          ids=got["ids"]))
    questions = [q for q, _ in pairs]
    for q in questions[:WARMUP_QUESTIONS]:
        store.similarity_search(q, k=BASELINE_K)
    samples = [timed(lambda q=q: store.similarity_search(q, k=BASELINE_K)) for q in questions]
    return [
        row(f"LangChain baseline: similarity_search k={BASELINE_K}", samples, "HuggingFaceEmbeddings + langchain_chroma; no cache"),
        Row("LangChain baseline: add_texts (same passages)", 1, build, build, f"{len(got['ids'])} passages embedded"),
    ]
