"""Pure metric functions: ranking quality, fact recall, guardrail confusion, percentiles.

Relevance is binary here. A ranking is given as a list of booleans, best first
(``True`` = relevant), so the functions know nothing about passages or articles.
Definitions follow Manning, Raghavan & Schütze, *Introduction to Information
Retrieval* (2008), ch. 8: nDCG uses the ``1 / log2(rank + 1)`` discount.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from chatbot.text.tokens import normalize

RANK_DEPTH = 10
"""Depth of every ranking the evaluation scores: MRR@10 and nDCG@10 are the issue's metrics."""
HIT_DEPTHS = (1, 3, 5)


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when a relevant item is among the first ``k``, else 0.0."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool], k: int = RANK_DEPTH) -> float:
    """1 / rank of the first relevant item within the first ``k``; 0.0 when there is none."""
    for rank, is_relevant in enumerate(relevant[:k], start=1):
        if is_relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int = RANK_DEPTH, *, n_relevant: int | None = None) -> float:
    """Normalised discounted cumulative gain of a binary ranking, cut at ``k``.

    ``n_relevant`` is how many relevant items exist in the whole collection (the ideal
    ranking puts ``min(n_relevant, k)`` of them first); it defaults to the number found
    in ``relevant``. Returns 0.0 when nothing is relevant.
    """
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(relevant[:k], start=1) if rel)
    ideal_hits = min(k, sum(relevant) if n_relevant is None else n_relevant)
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_hits + 1))
    return dcg / idcg if idcg else 0.0


def ranking_metrics(relevant: Sequence[bool], *, n_relevant: int | None = None, k: int = RANK_DEPTH) -> dict[str, float]:
    """hit@1/3/5, MRR@k and nDCG@k of one ranking, keyed as in the report."""
    scores = {f"hit@{d}": hit_at_k(relevant, d) for d in HIT_DEPTHS}
    scores[f"mrr@{k}"] = reciprocal_rank(relevant, k)
    scores[f"ndcg@{k}"] = ndcg_at_k(relevant, k, n_relevant=n_relevant)
    return scores


def mean_metrics(rows: Iterable[Mapping[str, float]]) -> dict[str, float | None]:
    """Average each key over ``rows``; every key is None when there are no rows."""
    rows = list(rows)
    keys = [f"hit@{d}" for d in HIT_DEPTHS] + [f"mrr@{RANK_DEPTH}", f"ndcg@{RANK_DEPTH}"]
    return {key: (sum(r[key] for r in rows) / len(rows) if rows else None) for key in keys}


def fact_found(phrasings: Sequence[str], text: str) -> bool:
    """Whether any phrasing occurs in ``text``, ignoring case, quote style and spacing."""
    haystack = normalize(text).lower()
    return any(normalize(p).lower() in haystack for p in phrasings)


def share(hits: Iterable[bool]) -> float | None:
    """Share of ``True`` values, or None when there are none at all."""
    values = list(hits)
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks, as numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def confusion_matrix(expected: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """``matrix[i][j]`` counts questions expected ``labels[i]`` and predicted ``labels[j]``."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for e, p in zip(expected, predicted, strict=True):
        matrix[index[e]][index[p]] += 1
    return matrix


def classification_scores(matrix: Sequence[Sequence[int]], labels: Sequence[str]) -> dict:
    """Accuracy plus precision, recall and support per label from a confusion matrix.

    Precision is None for a label never predicted, recall None for a label never expected:
    there is nothing to measure, which is different from scoring 0.
    """
    total = sum(map(sum, matrix))
    correct = sum(matrix[i][i] for i in range(len(labels)))
    per_label = {}
    for i, label in enumerate(labels):
        predicted = sum(row[i] for row in matrix)
        expected = sum(matrix[i])
        per_label[label] = {
            "precision": matrix[i][i] / predicted if predicted else None,
            "recall": matrix[i][i] / expected if expected else None,
            "support": expected,
        }
    return {"accuracy": correct / total if total else None, "per_category": per_label}
