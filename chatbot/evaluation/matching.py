"""How well the reviewed-answer matcher tells the same question from a near miss.

The labelled pairs (``corpus/eval/matcher_pairs.yaml``) each give a reviewed question, a
question a client might ask, and whether it means the same. The matcher is run as it serves:
against every reviewed answer's phrasings at once (the shipped ``corpus/reviewed_answers.yaml``).

* a pair labelled the same counts as **found** when the matcher picks that reviewed answer;
* a pair picks **wrongly** when the matcher gives it a reviewed answer it was not labelled
  for: a near miss given the reviewed question, or a paraphrase given another answer.

Precision = found / (found + wrong): of the reviewed answers served, the share that were right.
Recall = found / pairs labelled the same. **Near-miss false matches**: near misses (``kind: near_miss_*``:
another subject, another premise, how or why instead of what) served the reviewed answer they nearly ask for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chatbot.engine.interface import AnswerEngine
from chatbot.errors import EvaluationError
from chatbot.reviewed.matching import QuestionMatcher
from chatbot.reviewed.model import question_key
from chatbot.settings import Settings


@dataclass(frozen=True)
class MatcherPair:
    id: str
    reviewed: str
    asked: str
    match: bool
    kind: str
    split: str


def pairs_path(settings: Settings) -> Path:
    return Path(settings.corpus_dir) / "eval" / "matcher_pairs.yaml"


def reviewed_path(settings: Settings) -> Path:
    return Path(settings.corpus_dir) / "reviewed_answers.yaml"


def load_pairs(path: Path, *, split: str = "all") -> list[MatcherPair]:
    """The labelled pairs of ``split`` ("dev", "test" or "all"). Raises ``EvaluationError`` for a bad file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"cannot read the matcher pairs {path}: {exc}") from exc
    out = []
    for i, raw in enumerate(data.get("pairs", []) if isinstance(data, dict) else [], start=1):
        try:
            pair = MatcherPair(str(raw["id"]), str(raw["reviewed"]), str(raw["asked"]), bool(raw["match"]), str(raw.get("kind", "")), str(raw["split"]))
        except (KeyError, TypeError) as exc:
            raise EvaluationError(f"{path.name}: pair {i} needs id, reviewed, asked, match and split") from exc
        if split in ("all", pair.split):
            out.append(pair)
    if not out:
        raise EvaluationError(f"{path.name} has no {split} pairs")
    return out


def load_phrasings(path: Path) -> list[tuple[str, ...]]:
    """The question and other phrasings of every answer of a reviewed-answers YAML file (no article checks)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"cannot read the reviewed answers {path}: {exc}") from exc
    return [tuple([str(a["question"]), *map(str, a.get("also_asked") or [])]) for a in data.get("answers", [])]


@dataclass(frozen=True)
class PairResult:
    pair: MatcherPair
    matched: str | None
    """The reviewed question the matcher picked, or None."""

    @property
    def found(self) -> bool:
        return self.pair.match and self.matched is not None and question_key(self.matched) == question_key(self.pair.reviewed)

    @property
    def wrong(self) -> bool:
        if self.matched is None:
            return False
        same = question_key(self.matched) == question_key(self.pair.reviewed)
        return (not self.pair.match and same) or (self.pair.match and not same)


def run_pairs(matcher: QuestionMatcher, questions: Sequence[str], pairs: Sequence[MatcherPair], *, prepare=None) -> list[PairResult]:
    """Match each pair's asked question; ``questions[i]`` is the question of the matcher's answer ``i``.
    ``prepare`` is what the engine does to a question first (spelling correction)."""
    results = []
    for pair in pairs:
        m = matcher.match(prepare(pair.asked) if prepare else pair.asked)
        results.append(PairResult(pair, questions[m.answer] if m else None))
    return results


def pair_scores(results: Sequence[PairResult]) -> dict[str, Any]:
    found = sum(r.found for r in results)
    wrong = sum(r.wrong for r in results)
    positives = sum(r.pair.match for r in results)
    near = [r for r in results if r.pair.kind.startswith("near_miss")]
    return {
        "pairs": len(results), "same": positives, "found": found, "wrong": wrong,
        "precision": found / (found + wrong) if found + wrong else None,
        "recall": found / positives if positives else None,
        "near_misses": len(near), "near_miss_false_matches": sum(r.wrong for r in near),
        "wrong_pairs": [f"{r.pair.id}: {r.pair.asked!r} -> {r.matched!r}" for r in results if r.wrong],
    }


def evaluate_matcher(engine: AnswerEngine) -> dict[str, Any]:
    """Precision and recall of the matcher on the dev and the test pairs (``matcher`` in the report).

    Questions are spelling-corrected as the engine does before matching."""
    from chatbot.text.tokens import correct_spelling

    settings = engine.settings
    phrasings = load_phrasings(reviewed_path(settings))
    matcher = QuestionMatcher(phrasings, engine.embedder, settings)
    questions = [p[0] for p in phrasings]
    spelled = engine.index.snapshot().keywords.surface_words

    def prepare(question: str) -> str:
        return correct_spelling(question, spelled, known=engine.embedder.known_words)

    out: dict[str, Any] = {}
    for split in ("dev", "test"):
        out[split] = pair_scores(run_pairs(matcher, questions, load_pairs(pairs_path(settings), split=split), prepare=prepare))
    return out


__all__ = ["MatcherPair", "PairResult", "evaluate_matcher", "reviewed_path", "load_pairs", "load_phrasings", "pair_scores", "pairs_path", "run_pairs"]
