"""Scoring the questions in other languages (``corpus/eval/questions_multilingual.yaml``).

Per language: whether the language was recognised, retrieval hit@3 (an expected article among the
first three passages of the multilingual search the chain uses), the guardrail's accuracy, urgent
recall and key-fact recall (facts are English phrases: the quotes are English).

A question in an unsupported language is labelled with what it is about; what the bot should do is
answer honestly that it can't answer in that language (``out_of_scope``), with the urgent advice when
it is urgent. So its expected category is ``urgent`` for an urgent label and ``out_of_scope`` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from chatbot.engine.interface import AnswerEngine
from chatbot.errors import ChatbotError
from chatbot.evaluation.metrics import RANK_DEPTH, fact_found, hit_at_k, reciprocal_rank
from chatbot.evaluation.questions import EvalQuestion
from chatbot.guardrail.verdict import OUT_OF_SCOPE, URGENT
from chatbot.languages.detection import SUPPORTED_LANGUAGES


@dataclass(frozen=True)
class MultilingualResult:
    id: str
    question: str
    language: str
    detected: str
    split: str
    expected_category: str
    category: str
    rule: str
    hit_at_3: bool | None
    """None when no article is expected."""
    hit_at_1: bool | None
    reciprocal_rank: float | None
    facts_found: tuple[bool, ...]
    latency_ms: float | None
    answer: str = ""
    error: str | None = None

    @property
    def correct(self) -> bool:
        return self.category == self.expected_category

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def expected_category(q: EvalQuestion) -> str:
    if q.language in SUPPORTED_LANGUAGES or q.language == "en":
        return q.category
    return URGENT if q.category == URGENT else OUT_OF_SCOPE


def evaluate_multilingual(engine: AnswerEngine, questions: Sequence[EvalQuestion], *, progress: Callable[[int], None] | None = None) -> list[MultilingualResult]:
    results = []
    for q in questions:
        results.append(_one(engine, q))
        if progress:
            progress(1)
    return results


def _one(engine: AnswerEngine, q: EvalQuestion) -> MultilingualResult:
    want = expected_category(q)
    try:
        answer = engine.ask(q.question, list(q.history))
    except ChatbotError as exc:
        return MultilingualResult(
            q.id, q.question, q.language, "", q.split, want, "error", "", None, None, None, tuple(False for _ in q.facts), None, error=str(exc)
        )
    hit = hit1 = rr = None
    if q.articles:
        top = engine.search_multilingual(q.question, k=RANK_DEPTH) if answer.language != "en" else engine.search(q.question, k=RANK_DEPTH)
        relevant = [p.chunk.article in q.articles for p in top]
        hit, hit1, rr = bool(hit_at_k(relevant, 3)), bool(hit_at_k(relevant, 1)), reciprocal_rank(relevant, RANK_DEPTH)
    return MultilingualResult(
        q.id, q.question, q.language, answer.language, q.split, want, answer.guardrail.category, answer.guardrail.rule, hit, hit1, rr,
        tuple(fact_found(f, answer.text) for f in q.facts), answer.timings_ms.get("total"), answer.text,
    )


def _share(values: Sequence[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize_multilingual(results: Sequence[MultilingualResult]) -> dict[str, Any]:
    """Overall and per-language numbers, keyed like the English summary (``retrieval.hit@3``,
    ``guardrail.accuracy``, ``guardrail.urgent_recall``, ``answers.fact_recall``)."""

    def block(rs: Sequence[MultilingualResult]) -> dict[str, Any]:
        urgent = [r.category == URGENT for r in rs if r.expected_category == URGENT]
        return {
            "questions": len(rs),
            "language_detected": _share([r.detected == r.language or (r.language not in SUPPORTED_LANGUAGES and r.detected not in (*SUPPORTED_LANGUAGES, "en")) for r in rs]),
            "retrieval": {
                "hit@1": _share([r.hit_at_1 for r in rs if r.hit_at_1 is not None]),
                "hit@3": _share([r.hit_at_3 for r in rs if r.hit_at_3 is not None]),
                "mrr@10": _share([r.reciprocal_rank for r in rs if r.reciprocal_rank is not None]),
            },
            "guardrail": {"accuracy": _share([r.correct for r in rs]), "urgent_recall": _share(urgent), "urgent_questions": len(urgent)},
            "answers": {"fact_recall": _share([f for r in rs for f in r.facts_found])},
        }

    languages = sorted({r.language for r in results}, key=lambda lang: (lang not in SUPPORTED_LANGUAGES, lang))
    summary = block(results)
    summary["per_language"] = {lang: block([r for r in results if r.language == lang]) for lang in languages}
    summary["failures"] = [
        {"id": r.id, "language": r.language, "question": r.question, "why": _why(r)} for r in results if _why(r)
    ]
    return summary


def _why(r: MultilingualResult) -> str:
    reasons = []
    if r.error:
        reasons.append(f"error: {r.error}")
    if not r.correct:
        reasons.append(f"category {r.category} ({r.rule}), expected {r.expected_category}")
    if r.hit_at_3 is False:
        reasons.append("no expected article in the top 3")
    return "; ".join(reasons)


def format_multilingual(summary: dict[str, Any]) -> str:
    """The per-language table for the terminal and report.md."""

    def f(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    lines = [
        "| language | questions | language recognised | hit@1 | hit@3 | MRR@10 | guardrail accuracy | urgent recall | fact recall |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rows = [("all", summary), *summary["per_language"].items()]
    for name, b in rows:
        lines.append(
            f"| {name} | {b['questions']} | {f(b['language_detected'])} | {f(b['retrieval']['hit@1'])} | {f(b['retrieval']['hit@3'])} | "
            f"{f(b['retrieval']['mrr@10'])} | {f(b['guardrail']['accuracy'])} | "
            f"{f(b['guardrail']['urgent_recall'])} ({b['guardrail']['urgent_questions']}) | {f(b['answers']['fact_recall'])} |"
        )
    if summary["failures"]:
        lines += ["", "Failing questions:"]
        lines += [f"- {x['id']} ({x['language']}) {x['question']}: {x['why']}" for x in summary["failures"]]
    return "\n".join(lines)
