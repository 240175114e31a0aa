"""Hybrid retrieval: dense (Chroma, cosine) and BM25 keyword scores fused by reciprocal rank.

``LiveIndex`` (``chatbot.knowledge.live``) follows the live index version (a re-ingest
switches it under a running app); ``HybridRetriever`` is the LangChain ``BaseRetriever`` on top.
Scores are kept on every passage: the guardrail uses the dense cosine to tell
whether the articles cover a question, and the staff page shows all three.

English questions and questions in other languages go through the same steps
(``_fused_search``); they differ only in the vectors searched, the words BM25 reads
and the weight it gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from chatbot.knowledge.live import LiveIndex, Snapshot
from chatbot.knowledge.passages import ScoredPassage, StoredChunk
from chatbot.settings import Settings
from chatbot.text.glossary import expand

Mode = Literal["hybrid", "dense", "bm25"]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], weights: Sequence[float], *, k: int = 60) -> dict[str, float]:
    """Cormack, Clarke & Buettcher (2009): score(d) = sum_i w_i / (k + rank_i(d))."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, doc_id in enumerate(ranking, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + weight / (k + rank)
    return fused


def search(index: LiveIndex, settings: Settings, query: str, vector: np.ndarray, *, k: int | None = None, mode: Mode = "hybrid") -> list[ScoredPassage]:
    """The ``k`` best passages for ``query`` (whose embedding is ``vector``), best first."""
    k = k or settings.retrieval_k
    # Keywords cannot match "zits" to "acne": BM25 also reads the article terms of lay phrases.
    keyword_query = expand(query)

    def run(snap: Snapshot) -> list[ScoredPassage]:
        # BM25 counts for as much as the query's words mean to this corpus (see KeywordIndex.informativeness).
        bm25_weight = settings.bm25_weight * (snap.keywords.informativeness(keyword_query) if mode == "hybrid" else 1.0)
        return _fused_search(
            snap, settings, vector, collection=snap.collection, dense=mode in ("hybrid", "dense"),
            keyword_query=keyword_query if mode in ("hybrid", "bm25") else None, bm25_weight=bm25_weight,
            k=k, dimension=index.dimension, cosine_for_all=False,
        )

    return index.run(run)


def search_multilingual(
    index: LiveIndex, settings: Settings, vector: np.ndarray, *, dimension: int, k: int | None = None, keywords: str = ""
) -> list[ScoredPassage] | None:
    """The ``k`` best passages for a non-English question by its multilingual (e5) embedding ``vector``,
    spread over articles like ``search``. The question's own words don't match the English articles, so
    BM25 only reads ``keywords``: the English names of its key terms from the glossary ("pain"), when
    there are any. The passages carry their e5 sentence vectors, so the answerer ranks sentences in the
    question's space. None when the live version has no multilingual vectors."""
    k = k or settings.retrieval_k

    def run(snap: Snapshot) -> list[ScoredPassage] | None:
        if snap.multilingual is None:
            return None
        if not snap.ids:
            return []
        return _fused_search(
            snap, settings, vector, collection=snap.multilingual, dense=True,
            keyword_query=keywords or None, bm25_weight=settings.bm25_weight,
            k=k, dimension=dimension, cosine_for_all=True,
        )

    return index.run(run)


def _fused_search(
    snap: Snapshot,
    settings: Settings,
    vector: np.ndarray,
    *,
    collection: Any,
    dense: bool,
    keyword_query: str | None,
    bm25_weight: float,
    k: int,
    dimension: int,
    cosine_for_all: bool,
) -> list[ScoredPassage]:
    """The steps both languages share, on one snapshot: the dense candidates of ``vector`` in
    ``collection`` (when ``dense``) and the BM25 candidates of ``keyword_query`` (when not None),
    fused by reciprocal rank; a fixed pool of the best read back from ``collection`` (vectors of
    ``dimension``) and spread over articles. ``cosine_for_all`` also reads the pool's chunk vectors,
    so that a passage only the keywords found gets its real cosine."""
    dense_scores: dict[str, float] = {}
    if dense and snap.ids:
        got = collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=min(settings.candidate_k, len(snap.ids)),
            include=["distances"],
        )
        dense_scores = {cid: 1.0 - float(d) for cid, d in zip(got["ids"][0], got["distances"][0])}
    keyword: dict[str, float] = {}
    if keyword_query is not None:
        rows, scores = snap.keywords.search(keyword_query, settings.candidate_k)
        keyword = {snap.ids[int(r)]: float(s) for r, s in zip(rows, scores)}
    dense_order, keyword_order = list(dense_scores), list(keyword)
    fused = reciprocal_rank_fusion([dense_order, keyword_order], [settings.dense_weight, bm25_weight], k=settings.rrf_k)
    # A fixed-size pool, so asking for more passages only appends to the list, never reorders it.
    pool = sorted(fused, key=lambda cid: -fused[cid])[: max(k, settings.diversity_pool)]
    if not pool:
        return []
    records = collection.get(ids=pool, include=["documents", "metadatas", "embeddings"] if cosine_for_all else ["documents", "metadatas"])
    chunks = {
        cid: StoredChunk.from_record(cid, doc, meta, dimension)
        for cid, doc, meta in zip(records["ids"], records["documents"], records["metadatas"])
    }
    pool = [cid for cid in pool if cid in chunks]
    if cosine_for_all:
        vectors = {cid: np.asarray(emb, dtype=np.float32) for cid, emb in zip(records["ids"], records["embeddings"])}
        # A passage only the keywords found still gets its real cosine: the guardrail reads it.
        for cid in pool:
            dense_scores.setdefault(cid, float(vectors[cid] @ vector))
    top = diversify(pool, [chunks[c].article for c in pool], k=k, per_article=settings.max_passages_per_article)
    return [
        ScoredPassage(
            chunk=chunks[cid],
            score=fused[cid],
            dense_score=dense_scores.get(cid, 0.0),
            bm25_score=keyword.get(cid, 0.0),
            dense_rank=dense_order.index(cid) + 1 if cid in dense_order else 0,
            bm25_rank=keyword_order.index(cid) + 1 if cid in keyword else 0,
        )
        for cid in top
    ]


def diversify(ids: Sequence[str], articles: Sequence[str], *, k: int, per_article: int) -> list[str]:
    """Pick ``k`` of ``ids`` (best first): at most ``per_article`` from one article first, in rank
    order, then the best of the rest. Several articles get a voice near the top when they qualify."""
    counts: dict[str, int] = {}
    chosen: list[str] = []
    for cid, article in zip(ids, articles):
        if len(chosen) < k and counts.get(article, 0) < per_article:
            chosen.append(cid)
            counts[article] = counts.get(article, 0) + 1
    rest = [cid for cid in ids if cid not in chosen]
    return chosen + rest[: k - len(chosen)]


def passage_to_document(p: ScoredPassage) -> Document:
    """LangChain view of a passage. Metadata keys: chunk_id, article, title, section, line,
    score (fused), dense_score (cosine), bm25_score, dense_rank, bm25_rank."""
    c = p.chunk
    return Document(
        page_content=c.text,
        id=c.id,
        metadata={
            "chunk_id": c.id,
            "article": c.article,
            "title": c.title,
            "section": c.section,
            "line": c.line,
            "score": p.score,
            "dense_score": p.dense_score,
            "bm25_score": p.bm25_score,
            "dense_rank": p.dense_rank,
            "bm25_rank": p.bm25_rank,
        },
    )


class HybridRetriever(BaseRetriever):
    """LangChain retriever over the live index; ``mode`` picks hybrid, dense-only or BM25-only."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: LiveIndex
    embedder: object
    settings: Settings
    k: int = 6
    mode: Mode = "hybrid"

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        vector = self.embedder.embed_one(query)
        return [passage_to_document(p) for p in search(self.index, self.settings, query, vector, k=self.k, mode=self.mode)]
