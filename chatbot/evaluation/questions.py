"""The labelled question set (``corpus/eval/questions.yaml``).

Each question names the articles (and, where one is clearly right, the sections)
that answer it, the key facts a good answer contains (each a list of acceptable
phrasings) and the guardrail category it should get. ``split`` is ``dev`` (tune on
these) or ``test`` (the quality gate; never tune on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chatbot.errors import EvaluationError
from chatbot.guardrail.verdict import CATEGORIES
from chatbot.settings import Settings

SPLITS = ("dev", "test")


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    category: str
    """Expected guardrail category: urgent | medical | out_of_scope | general."""
    split: str
    history: tuple[str, ...] = ()
    """Earlier user questions of the conversation, oldest first."""
    articles: tuple[str, ...] = ()
    """Slugs of the articles that answer it; empty when no article should be cited."""
    sections: tuple[str, ...] = ()
    """Section headings that clearly answer it (optional)."""
    facts: tuple[tuple[str, ...], ...] = ()
    """Key facts; a fact is found when any one of its phrasings is in the answer."""
    language: str = "en"
    """The question's language (ISO 639-1); the multilingual set names it for every question."""
    lead: tuple[int, ...] = ()
    """Positions (0-based) in ``facts`` of the facts that answer the question when they open the answer; empty: any fact."""

    @property
    def lead_facts(self) -> tuple[tuple[str, ...], ...]:
        """The key facts that count as the answer's lead (``lead``, or every fact when it is not labelled)."""
        return tuple(self.facts[i] for i in self.lead) if self.lead else self.facts


def questions_path(settings: Settings) -> Path:
    return settings.eval_questions_file or Path(settings.corpus_dir) / "eval" / "questions.yaml"


def multilingual_questions_path(settings: Settings) -> Path:
    """The labelled questions in other languages (written blind, like the English test set)."""
    return settings.multilingual_eval_questions_file or Path(settings.corpus_dir) / "eval" / "questions_multilingual.yaml"


def load_questions(path: Path, *, split: str = "all") -> list[EvalQuestion]:
    """Read and check the labelled questions, keeping those of ``split`` (dev, test or all).

    Raises ``EvaluationError`` naming the file and the entry when the file is missing,
    not YAML, or an entry lacks a field or has a wrong value.
    """
    if split not in (*SPLITS, "all"):
        raise EvaluationError(f"unknown split {split!r}: use dev, test or all")
    if not path.is_file():
        raise EvaluationError(f"labelled questions not found at {path}: set CHATBOT_EVAL_QUESTIONS_FILE or create it")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path.name} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    entries = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise EvaluationError(f"{path.name} needs a non-empty `questions:` list")
    questions = [_parse(entry, i, path.name) for i, entry in enumerate(entries, start=1)]
    duplicates = sorted({q.id for q in questions if sum(o.id == q.id for o in questions) > 1})
    if duplicates:
        raise EvaluationError(f"{path.name}: question ids must be unique; repeated: {', '.join(duplicates)}")
    return [q for q in questions if split in ("all", q.split)]


def _parse(entry: Any, number: int, name: str) -> EvalQuestion:
    if not isinstance(entry, dict):
        raise EvaluationError(f"{name}: entry {number} must be a mapping with id, question, category, split")
    where = f"{name}: entry {number} ({entry.get('id', 'no id')})"
    for key in ("id", "question", "category", "split"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise EvaluationError(f"{where} needs `{key}:` as text")
    if entry["category"] not in CATEGORIES:
        raise EvaluationError(f"{where}: category {entry['category']!r} is not one of {', '.join(CATEGORIES)}")
    if entry["split"] not in SPLITS:
        raise EvaluationError(f"{where}: split {entry['split']!r} is not dev or test")
    facts = entry.get("facts") or []
    if not isinstance(facts, list) or not all(_strings(f) and f for f in facts):
        raise EvaluationError(f"{where}: `facts:` must be a list of lists of phrasings")
    lead = entry.get("lead") or []
    if not isinstance(lead, list) or not all(isinstance(i, int) and 0 <= i < len(facts) for i in lead):
        raise EvaluationError(f"{where}: `lead:` must list positions of `facts:` (0 for the first)")
    return EvalQuestion(
        lead=tuple(lead),
        id=entry["id"].strip(),
        question=entry["question"],
        category=entry["category"],
        split=entry["split"],
        history=tuple(_list(entry, "history", where)),
        articles=tuple(_list(entry, "articles", where)),
        sections=tuple(_list(entry, "sections", where)),
        facts=tuple(tuple(f) for f in facts),
        language=str(entry.get("language") or "en").strip().lower(),
    )


def _list(entry: dict, key: str, where: str) -> list[str]:
    value = entry.get(key) or []
    if not _strings(value):
        raise EvaluationError(f"{where}: `{key}:` must be a list of text")
    return value


def _strings(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and all(isinstance(v, str) for v in value)
