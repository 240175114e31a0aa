"""The keyword side of retrieval: BM25 over the passages of one index version.

``chatbot.knowledge.search`` fuses its ranking with the dense one; the reviewed-answer
checks and the scale bench use its word weights (``idf``) and its two backends directly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from chatbot.text.tokens import surface_words, tokenize


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
