"""The questions the benchmarks ask: the evaluation set and the clinic's common questions.

``make bench`` cycles them to at least ``MIN_QUESTIONS`` per measurement (and the multilingual
evaluation set likewise); ``make bench-scale`` asks each distinct clinic question once per round.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from chatbot.knowledge.corpus import load_common_questions
from chatbot.languages.detection import SUPPORTED_LANGUAGES
from chatbot.settings import Settings

MIN_QUESTIONS = 200
"""The issue asks for at least 200 questions per latency measurement."""


def load_questions(settings: Settings, *, minimum: int = MIN_QUESTIONS) -> list[tuple[str, list[str]]]:
    """(question, history) pairs from the evaluation set and the common questions, cycled to ``minimum``."""
    pairs: list[tuple[str, list[str]]] = []
    eval_file = Path(settings.corpus_dir) / "eval" / "questions.yaml"
    if eval_file.is_file():
        data = yaml.safe_load(eval_file.read_text(encoding="utf-8")) or {}
        pairs += [(str(q["question"]), [str(h) for h in q.get("history") or []]) for q in data.get("questions", [])]
    common = settings.common_questions_path
    if common.is_file():
        data = yaml.safe_load(common.read_text(encoding="utf-8")) or {}
        pairs += [(str(q["question"] if isinstance(q, dict) else q), []) for q in data.get("questions", [])]
    if not pairs:
        raise SystemExit(f"no questions found in {eval_file} or {common}")
    rounds = -(-minimum // len(pairs))
    return (pairs * rounds)[: max(minimum, len(pairs))]


def load_multilingual_questions(settings: Settings, *, minimum: int = MIN_QUESTIONS) -> list[str]:
    """The supported-language questions of the multilingual evaluation set, cycled to ``minimum``."""
    from chatbot.evaluation.questions import multilingual_questions_path  # loads the search stack (~2 s): not for `--help`

    path = multilingual_questions_path(settings)
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = [str(q["question"]) for q in data.get("questions", []) if q.get("language") in SUPPORTED_LANGUAGES]
    return (questions * -(-minimum // max(1, len(questions))))[:minimum] if questions else []


def clinic_questions(corpus_dir: Path, limit: int) -> list[str]:
    """The clinic's common questions, then the labelled single-turn questions, without repeats."""
    questions = [q.question for q in load_common_questions(corpus_dir / "common_questions.yaml")]
    labelled = corpus_dir / "eval" / "questions.yaml"
    if labelled.is_file():
        items = (yaml.safe_load(labelled.read_text(encoding="utf-8")) or {}).get("questions", [])
        questions += [q["question"] for q in items if not q.get("history")]
    return list(dict.fromkeys(questions))[:limit]
