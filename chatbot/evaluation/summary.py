"""Turn per-question results into the summary numbers of a report, and list what failed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from chatbot.evaluation.metrics import classification_scores, confusion_matrix, mean_metrics, percentile, share
from chatbot.evaluation.runner import BASELINES, HYBRID, Evaluation, QuestionResult
from chatbot.guardrail.verdict import CATEGORIES

ERROR_LABEL = "error"
"""Confusion-matrix column for questions the engine refused with an error."""


def summarize(evaluation: Evaluation) -> dict[str, Any]:
    """The summary of one mode: ``retrieval`` (by article), ``retrieval_by_section``,
    ``answers``, ``guardrail`` and ``latency_ms``; metrics that could not be measured are None."""
    results = evaluation.results
    return {
        "retrieval": _retrieval(results, evaluation.rankings, "article"),
        "retrieval_by_section": _retrieval(results, evaluation.rankings, "section"),
        **answer_summary(results),
    }


def answer_summary(results: Iterable[QuestionResult]) -> dict[str, Any]:
    """``answers``, ``guardrail`` and ``latency_ms``: the part that differs between answer modes."""
    results = list(results)
    checked = sum(r.verification.get("checked", 0) for r in results)
    changed = sum(r.verification.get("dropped", 0) + r.verification.get("corrected", 0) for r in results)
    latencies = [r.latency_ms for r in results if r.latency_ms is not None]
    return {
        "answers": {
            "fact_recall": share(f for r in results for f in r.facts_found),
            "citation_support": share(s for r in results for s in r.supported),
            "dropped_or_corrected": changed / checked if checked else None,
            "fact_recall_by_split": {
                split: share(f for r in results if r.split == split for f in r.facts_found)
                for split in sorted({r.split for r in results})
            },
            "dangling_references": sum(len(r.dangling) for r in results),
            "dangling_references_by_split": {
                split: sum(len(r.dangling) for r in results if r.split == split) for split in sorted({r.split for r in results})
            },
            "lead_answers": share(r.lead_found for r in results if r.lead_found is not None),
            "lead_answers_by_split": {
                split: share(r.lead_found for r in results if r.split == split and r.lead_found is not None)
                for split in sorted({r.split for r in results})
            },
            "length": answer_length(results),
            "facts": sum(len(r.facts_found) for r in results),
            "cited_sentences": sum(len(r.supported) for r in results),
            "errors": sum(r.error is not None for r in results),
        },
        "guardrail": guardrail_summary(results),
        "latency_ms": {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies, default=None),
        },
    }


def answer_length(results: Iterable[QuestionResult]) -> dict[str, float | None]:
    """p50 and p95 of the short answers' length in quoted sentences and in words (answers with quotes only)."""
    quoted = [r for r in results if r.answer_sentences]
    sentences = [float(r.answer_sentences) for r in quoted]
    words = [float(r.answer_words) for r in quoted]
    return {
        "sentences_p50": percentile(sentences, 50), "sentences_p95": percentile(sentences, 95),
        "words_p50": percentile(words, 50), "words_p95": percentile(words, 95), "answers": len(quoted),
    }


def guardrail_summary(results: Iterable[QuestionResult]) -> dict[str, Any]:
    results = list(results)
    labels = list(CATEGORIES) + ([ERROR_LABEL] if any(r.category == ERROR_LABEL for r in results) else [])
    matrix = confusion_matrix([r.expected_category for r in results], [r.category for r in results], labels)
    scores = classification_scores(matrix, labels)
    scores["per_category"] = {c: scores["per_category"][c] for c in CATEGORIES}
    return {**scores, "labels": labels, "confusion": matrix}


def _retrieval(results: Iterable[QuestionResult], rankings: Iterable[str], level: str) -> dict[str, Any]:
    """Mean metrics per ranking mode; a mode that was not run is None, so the keys are always there."""
    ran = set(rankings)
    scored = [r for r in results if r.retrieval]
    out: dict[str, Any] = {}
    for mode in (HYBRID, *BASELINES):
        rows = [r.retrieval[mode][level] for r in scored if mode in ran and r.retrieval[mode][level] is not None]
        out[mode] = {**mean_metrics(rows), "questions": len(rows)} if mode in ran else None
    return out


def failures(result: Mapping[str, Any]) -> list[str]:
    """Why a question (as stored in a report) counts as failing; empty when it passed everything."""
    reasons = []
    if result.get("error"):
        reasons.append(f"error: {result['error']}")
    elif result["category"] != result["expected_category"]:
        reasons.append(f"guardrail said {result['category']}, expected {result['expected_category']}")
    hybrid = (result.get("retrieval") or {}).get(HYBRID)
    if hybrid and not hybrid["article"]["hit@3"]:
        reasons.append("no expected article in the top 3 passages")
    if result.get("lead_found") is False:
        reasons.append("the first sentence carries no key fact")
    missing = [fact for fact, found in zip(result.get("facts", []), result.get("facts_found", []), strict=True) if not found]
    if missing:
        reasons.append("missing fact" + ("s" if len(missing) > 1 else "") + ": " + "; ".join(f"“{m}”" for m in missing))
    unsupported = sum(not s for s in result.get("supported", []))
    if unsupported:
        reasons.append(f"{unsupported} cited sentence(s) not supported by their source")
    for sentence in result.get("dangling", []):
        reasons.append(f"refers to something not quoted: “{sentence[:80]}”")
    return reasons
