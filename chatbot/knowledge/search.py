"""Hybrid retrieval: dense (Chroma, cosine) and BM25 keyword scores fused by reciprocal rank.

``LiveIndex`` follows the live index version (a re-ingest switches it under a
running app); ``HybridRetriever`` is the LangChain ``BaseRetriever`` on top.
Scores are kept on every passage: the guardrail uses the dense cosine to tell
whether the articles cover a question, and the staff page shows all three.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from chatbot.errors import ChatbotError, ChromaUnavailableError, IndexCorruptError, IndexMissingError
from chatbot.knowledge.index import MULTILINGUAL_SUFFIX, StoredChunk, connect, index_state, open_collection
from chatbot.settings import Settings
from chatbot.text.glossary import expand
from chatbot.text.tokens import surface_words, tokenize

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "bm25"]


# --- keyword side ------------------------------------------------------------------


class KeywordIndex:
    """BM25 over the chunk texts (Robertson et al.; ``k1=1.5, b=0.75``).

    ``backend="bm25s"`` keeps a sparse term-by-document score matrix, so a query
    only touches the postings of its own terms; ``"rank_bm25"`` scores every
    document per query and is kept as the reference to measure against.
    """

    def __init__(self, texts: Sequence[str], *, backend: str = "bm25s", k1: float = 1.5, b: float = 0.75) -> None:
        self.backend = backend
        self.size = len(texts)
        corpus = [tokenize(t) or ["_"] for t in texts]
        self.surface_words = surface_words(texts)
        """Words as the articles spell them, for correcting typos in questions."""
        df: dict[str, int] = {}
        for doc in corpus:
            for w in set(doc):
                df[w] = df.get(w, 0) + 1
        self.vocabulary = frozenset(df)
        self._idf = {w: float(np.log((self.size - n + 0.5) / (n + 0.5) + 1.0)) for w, n in df.items()}
        self._unknown_idf = float(np.log((self.size + 0.5) / 0.5 + 1.0))
        if backend == "bm25s":
            import bm25s

            logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
            self._model = bm25s.BM25(k1=k1, b=b)
            if corpus:
                self._model.index(corpus, show_progress=False)
        elif backend == "rank_bm25":
            from rank_bm25 import BM25Okapi

            self._model = BM25Okapi(corpus, k1=k1, b=b) if corpus else None
        else:
            raise ValueError(f"unknown BM25 backend {backend!r}: use 'bm25s' or 'rank_bm25'")

    def idf(self, word: str) -> float:
        """BM25 inverse document frequency of a token; unseen tokens get the highest value."""
        return self._idf.get(word, self._unknown_idf)

    def informativeness(self, query: str) -> float:
        """Share of the query's IDF mass made of words the corpus contains (0 to 1).

        "does microneedling hurt alot?" scores near 0: its only known word is in every
        article, so BM25's ranking of it is noise. "aftercare tips pls" scores high.
        """
        tokens = tokenize(query)
        if not tokens or not self.size:
            return 0.0
        total = sum(self.idf(t) for t in tokens)
        known = sum(self._idf[t] for t in tokens if t in self._idf)
        return known / total if total else 0.0

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the ``k`` best documents with a positive score."""
        tokens = tokenize(query)
        if not tokens or not self.size:
            return np.zeros(0, dtype=int), np.zeros(0)
        scores = np.asarray(self._model.get_scores(tokens), dtype=np.float32)
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        top = top[scores[top] > 0]
        return top, scores[top]


# --- the live index ----------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One index version as a reader sees it: the Chroma collection plus its BM25 side."""

    version: str
    collection: object
    ids: tuple[str, ...]
    keywords: KeywordIndex
    multilingual: object | None = None
    """The version's multilingual (e5) vector set, None when the index was built without it."""


class LiveIndex:
    """The live index version, reloaded when an ingest switches versions.

    Thread-safe: readers take the current snapshot (an immutable object) and keep
    using it for their whole query, so a query never mixes two versions.
    """

    def __init__(self, settings: Settings, *, dimension: int, bm25_backend: str = "bm25s") -> None:
        self.settings = settings
        self.dimension = dimension
        self.bm25_backend = bm25_backend
        self._lock = threading.Lock()
        self._client = None
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self.refresh(force=True)

    @property
    def version(self) -> str | None:
        return self._snapshot.version if self._snapshot else None

    def snapshot(self) -> Snapshot:
        """The current version. Every ``index_refresh_seconds`` one thread checks for a newer
        one; the others keep answering from the current snapshot meanwhile."""
        if self._snapshot is None:
            self.refresh(force=True)
        elif time.monotonic() - self._checked_at > self.settings.index_refresh_seconds:
            self.refresh(wait=False)
        assert self._snapshot is not None
        return self._snapshot

    def refresh(self, *, force: bool = False, failed: Snapshot | None = None, wait: bool = True) -> None:
        """Load the live version if it changed.

        ``force`` reloads even an unchanged version and raises when the index cannot be read.
        ``failed`` is the snapshot a query just failed on: the check raises the index errors
        (``ChromaUnavailableError`` for an outage), and is skipped when another thread has
        already replaced that snapshot. ``wait=False`` returns at once if another thread is
        checking. Otherwise a failed check is logged and the current snapshot stays in use.
        """
        if not self._lock.acquire(blocking=wait):
            return
        try:
            if failed is not None and self._snapshot is not failed:
                return
            self._checked_at = time.monotonic()
            self._check(force=force, strict=force or failed is not None or self._snapshot is None)
        finally:
            self._lock.release()

    def _check(self, *, force: bool, strict: bool) -> None:
        try:
            if self._client is None:
                self._client = connect(self.settings)
            state = index_state(self._client, self.settings)
            version = state.get("active")
            if version is None:
                raise IndexMissingError()
            if self._snapshot is not None and self._snapshot.version == version and not force:
                return
            snapshot = self._load(version)
        except Exception as exc:
            self._client = None  # reconnect next time: the server may come back, or the folder be rebuilt
            if strict and isinstance(exc, ChatbotError):
                raise
            if strict:
                raise ChromaUnavailableError(f"cannot read the index ({type(exc).__name__}: {exc})") from exc
            log.warning("index check failed (%s); still answering from %s", exc, self._snapshot.version)
            return
        self._snapshot = snapshot
        log.info("answering from index version %s (%d passages)", version, len(snapshot.ids))

    def _load(self, version: str) -> Snapshot:
        try:
            collection = open_collection(self._client, version)
            ids: list[str] = []
            texts: list[str] = []
            total = collection.count()
            step = self.settings.chroma_batch_size
            for offset in range(0, total, step):
                got = collection.get(include=["documents"], limit=step, offset=offset)
                ids.extend(got["ids"])
                texts.extend(got["documents"])
        except Exception as exc:
            raise IndexCorruptError(
                f"index version {version} cannot be read ({type(exc).__name__}: {exc}); run `chatbot ingest` to rebuild it"
            ) from exc
        multilingual = None
        if self.settings.multilingual:
            try:
                multilingual = open_collection(self._client, f"{version}{MULTILINGUAL_SUFFIX}")
            except Exception:  # built with multilingual off: other languages fall back to the English search
                log.warning("index version %s has no multilingual vectors; run `chatbot ingest` to add them", version)
        return Snapshot(version, collection, tuple(ids), KeywordIndex(texts, backend=self.bm25_backend), multilingual)

    def run(self, operation):
        """Run ``operation(snapshot)``. If it fails (the version vanished under a re-ingest, the
        server restarted), check the live version and retry once. Raises ``ChromaUnavailableError``
        when Chroma does not answer, and the operation's own error otherwise."""
        snap = self.snapshot()
        try:
            return operation(snap)
        except Exception as exc:
            log.info("query on %s failed (%s); checking the live version", snap.version, type(exc).__name__)
            self.refresh(failed=snap)
        snap = self.snapshot()
        try:
            return operation(snap)
        except Exception:
            self.refresh(failed=snap)  # an outage becomes a clear ChromaUnavailableError
            raise


# --- hybrid search -------------------------------------------------------------------


@dataclass(frozen=True)
class ScoredPassage:
    """A retrieved chunk with every score that ranked it. Ranks are 1-based; 0 means absent."""

    chunk: StoredChunk
    score: float
    dense_score: float
    bm25_score: float
    dense_rank: int
    bm25_rank: int


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
        dense: dict[str, float] = {}
        if mode in ("hybrid", "dense") and snap.ids:
            got = snap.collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=min(settings.candidate_k, len(snap.ids)),
                include=["distances"],
            )
            dense = {cid: 1.0 - float(d) for cid, d in zip(got["ids"][0], got["distances"][0])}
        keyword: dict[str, float] = {}
        if mode in ("hybrid", "bm25"):
            rows, scores = snap.keywords.search(keyword_query, settings.candidate_k)
            keyword = {snap.ids[int(r)]: float(s) for r, s in zip(rows, scores)}
        dense_order = list(dense)
        keyword_order = list(keyword)
        # BM25 counts for as much as the query's words mean to this corpus (see KeywordIndex.informativeness).
        bm25_weight = settings.bm25_weight * (snap.keywords.informativeness(keyword_query) if mode == "hybrid" else 1.0)
        fused = reciprocal_rank_fusion([dense_order, keyword_order], [settings.dense_weight, bm25_weight], k=settings.rrf_k)
        # A fixed-size pool, so asking for more passages only appends to the list, never reorders it.
        pool = sorted(fused, key=lambda cid: -fused[cid])[: max(k, settings.diversity_pool)]
        if not pool:
            return []
        got = snap.collection.get(ids=pool, include=["documents", "metadatas"])
        chunks = {
            cid: StoredChunk.from_record(cid, doc, meta, index.dimension)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"])
        }
        top = diversify([cid for cid in pool if cid in chunks], [chunks[c].article for c in pool if c in chunks], k=k, per_article=settings.max_passages_per_article)
        return [
            ScoredPassage(
                chunk=chunks[cid],
                score=fused[cid],
                dense_score=dense.get(cid, 0.0),
                bm25_score=keyword.get(cid, 0.0),
                dense_rank=dense_order.index(cid) + 1 if cid in dense else 0,
                bm25_rank=keyword_order.index(cid) + 1 if cid in keyword else 0,
            )
            for cid in top
        ]

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
        got = snap.multilingual.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=min(settings.candidate_k, len(snap.ids)),
            include=["distances"],
        )
        dense = {cid: 1.0 - float(d) for cid, d in zip(got["ids"][0], got["distances"][0])}
        keyword: dict[str, float] = {}
        if keywords:
            rows, scores = snap.keywords.search(keywords, settings.candidate_k)
            keyword = {snap.ids[int(r)]: float(s) for r, s in zip(rows, scores)}
        dense_order, keyword_order = list(dense), list(keyword)
        fused = reciprocal_rank_fusion([dense_order, keyword_order], [settings.dense_weight, settings.bm25_weight], k=settings.rrf_k)
        pool = sorted(fused, key=lambda cid: -fused[cid])[: max(k, settings.diversity_pool)]
        records = snap.multilingual.get(ids=pool, include=["documents", "metadatas", "embeddings"])
        chunks, vectors = {}, {}
        for cid, doc, meta, emb in zip(records["ids"], records["documents"], records["metadatas"], records["embeddings"]):
            chunks[cid] = StoredChunk.from_record(cid, doc, meta, dimension)
            vectors[cid] = np.asarray(emb, dtype=np.float32)
        pool = [cid for cid in pool if cid in chunks]
        # A passage only the keywords found still gets its real cosine: the guardrail reads it.
        for cid in pool:
            dense.setdefault(cid, float(vectors[cid] @ vector))
        top = diversify(pool, [chunks[c].article for c in pool], k=k, per_article=settings.max_passages_per_article)
        return [
            ScoredPassage(
                chunk=chunks[cid], score=fused[cid], dense_score=dense[cid], bm25_score=keyword.get(cid, 0.0),
                dense_rank=dense_order.index(cid) + 1 if cid in dense_order else 0,
                bm25_rank=keyword_order.index(cid) + 1 if cid in keyword else 0,
            )
            for cid in top
        ]

    return index.run(run)


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
