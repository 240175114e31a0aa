"""The start-up vectors: what every engine would otherwise embed when it starts.

The guardrail's example questions and the common questions are embedded once per ingest and kept
beside the index (one file per model), so a new engine starts without embedding them.
"""

from __future__ import annotations

from pathlib import Path

from chatbot.guardrail.classifier import example_questions
from chatbot.guardrail.multilingual import example_texts
from chatbot.knowledge.corpus import load_common_questions
from chatbot.knowledge.embeddings import Embedder, VectorCache, multilingual_embedder
from chatbot.settings import Settings

STARTUP_VECTORS_FILE = "startup-vectors.npz"
"""Beside the index: the vectors of the texts every engine embeds at start (see ``precompute_startup_vectors``)."""


def startup_vectors(settings: Settings, embedder) -> VectorCache | None:
    """The start-up vector file for ``embedder`` (MiniLM or the multilingual e5), one file per model.

    None against a Chroma server: the index folder is not used then (every instance embeds these
    texts when it starts, a few seconds)."""
    if settings.chroma_server:
        return None
    name = STARTUP_VECTORS_FILE if isinstance(embedder, Embedder) else STARTUP_VECTORS_FILE.replace(".npz", "-e5.npz")
    return VectorCache(Path(settings.index_dir) / name, model=embedder.model_path)


def precompute_startup_vectors(settings: Settings, embedder: Embedder) -> int:
    """Embed, once per ingest, what every engine would otherwise embed when it starts: the
    guardrail's example questions and the common questions. Returns how many texts are stored.
    A changed ``common_questions.yaml`` is picked up by the next ingest, or embedded at start."""
    if settings.chroma_server:
        return 0  # nothing is kept beside a server's index (see ``startup_vectors``)
    common = [q.question for q in load_common_questions(settings.common_questions_path)]
    texts = list(dict.fromkeys([*common, *(t for texts in example_questions(common).values() for t in texts)]))
    embedder.embed_stored(texts, startup_vectors(settings, embedder))
    if settings.multilingual:
        e5 = multilingual_embedder(threads=settings.query_threads)
        e5_texts = list(dict.fromkeys([*common, *example_texts()]))
        e5.embed_queries_stored(e5_texts, startup_vectors(settings, e5))
        texts += e5_texts
    return len(texts)
