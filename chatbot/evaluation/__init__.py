"""Answer-quality evaluation: a repeatable score with no LLM judge (``chatbot eval``).

The stages, one module each:

    questions  load the labelled set (corpus/eval/questions.yaml, and questions_multilingual.yaml)
    runner     ask each question through an Engine; score retrieval (hybrid, BM25, dense),
               key facts, citation support, guardrail category and latency
    metrics    the pure metric functions (hit@k, MRR, nDCG, percentiles, confusion matrix)
    summary    per-question results -> the summary numbers; why a question fails
    gate       QUALITY_GATE (minimum scores), FACT_RECALL_FLOOR, QUALITY_GATE_MAXIMUM: written in one place
    report     build / compare with the previous run / write reports/eval-<timestamp>/
    markdown   report.md;  charts: the PNG charts
    multilingual  the questions in other languages, per language;  languages: the detector comparison

``run_evaluation`` strings them together for the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chatbot.engine.interface import AnswerEngine
from chatbot.evaluation.gate import QUALITY_GATE, GateCheck, check_gate
from chatbot.evaluation.matching import evaluate_matcher
from chatbot.evaluation.questions import EvalQuestion, load_questions, questions_path
from chatbot.evaluation.report import build_report, json_summary, latest_report, load_report, report_folders, write_report
from chatbot.evaluation.runner import Evaluation, QuestionResult, evaluate, mode_name
from chatbot.evaluation.summary import summarize
from chatbot.settings import Settings


def reviewed_effect(engine: AnswerEngine, questions: Sequence[EvalQuestion]) -> dict[str, Any]:
    """Fact recall with the shipped reviewed answers (corpus/reviewed_answers.yaml, imported into a
    temporary database) and without any, and how many labelled questions a reviewed answer serves."""
    import tempfile

    from chatbot.engine.engine import Engine
    from chatbot.evaluation.matching import reviewed_path
    from chatbot.evaluation.summary import answer_summary
    from chatbot.reviewed.model import article_sentences, read_yaml
    from chatbot.reviewed.store import ReviewStore

    with tempfile.TemporaryDirectory() as tmp:
        on_settings = engine.settings.with_sqlite(Path(tmp) / "reviewed.sqlite3").replace(reviewed_answers=True)
        entries = read_yaml(reviewed_path(on_settings), article_sentences(on_settings))
        ReviewStore(on_settings).import_entries(entries, actor="eval")
        on = evaluate(Engine(on_settings, embedder=engine.embedder), questions, baselines=False)
    off = evaluate(Engine(engine.settings.replace(reviewed_answers=False), embedder=engine.embedder), questions, baselines=False)
    served = [r.id for r in on.results if r.generator == "reviewed"]
    return {
        "answers": len(entries), "questions": len(questions), "served": len(served), "served_ids": served,
        "fact_recall_on": answer_summary(on.results)["answers"]["fact_recall"],
        "fact_recall_off": answer_summary(off.results)["answers"]["fact_recall"],
    }


def mode_engines(engine: AnswerEngine) -> list[AnswerEngine]:
    """The engines to compare: the configured one first and, when it uses a generator
    (an LLM), an extractive twin sharing its embedding model, for a side-by-side report."""
    if engine.generator is None:
        return [engine]
    from chatbot.engine.engine import Engine

    return [engine, Engine(engine.settings.replace(llm=None), embedder=engine.embedder)]


def run_evaluation(
    settings: Settings,
    engines: Sequence[AnswerEngine],
    questions: Sequence[EvalQuestion],
    *,
    split: str,
    baselines: bool = True,
    corpus_health: bool = True,
    progress: Callable[[int], None] | None = None,
    multilingual: Sequence[EvalQuestion] = (),
) -> dict[str, Any]:
    """Evaluate every engine on ``questions``, compare with the previous report and write a new one.

    The first engine is the configured chain: its retrieval (with the BM25 and dense
    baselines unless ``baselines`` is False) and answers are the report's summary; the
    others only add answer columns. Returns the report (``report["folder"]`` names its
    folder in ``settings.reports_dir``). Raises ``EvaluationError`` when the report
    cannot be written, and the engine's index errors.
    """
    reports_dir = Path(settings.reports_dir)
    evaluations = [evaluate(e, questions, baselines=baselines and i == 0, progress=progress) for i, e in enumerate(engines)]
    findings = None
    if corpus_health:
        from chatbot.knowledge.health import lint_corpus

        findings = [f.to_json() for f in lint_corpus(settings, engines[0].embedder).findings]
    report = build_report(evaluations, split=split, previous=latest_report(reports_dir, split=split), corpus_health=findings)
    report["reviewed"] = reviewed_effect(engines[0], questions)
    report["matcher"] = evaluate_matcher(engines[0])
    if multilingual:  # questions in other languages: per-language retrieval, guardrail and urgent recall
        from chatbot.evaluation.multilingual import evaluate_multilingual, summarize_multilingual

        report["multilingual"] = summarize_multilingual(evaluate_multilingual(engines[0], multilingual, progress=progress))
    from chatbot.evaluation.gate import check_gate as _gate

    report["gate"] = [{"metric": c.metric, "threshold": c.threshold, "value": c.value, "passed": c.passed} for c in _gate(report)]
    write_report(report, reports_dir)
    return report


__all__ = [
    "QUALITY_GATE", "Evaluation", "EvalQuestion", "GateCheck", "QuestionResult", "build_report", "check_gate", "evaluate",
    "json_summary", "latest_report", "load_questions", "load_report", "mode_engines", "mode_name", "questions_path",
    "report_folders", "run_evaluation", "summarize", "write_report",
]
