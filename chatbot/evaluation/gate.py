"""The quality gate: the one place where the minimum scores are written down.

``tests/test_quality_gate.py`` runs the evaluation on the test split and fails
when any check below fails; the report shows the same checks. Raise the bar when
the engine improves; never lower it to make a run pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

QUALITY_GATE: dict[str, float] = {
    # A client's question finds an article that answers it among the first three passages.
    "retrieval.hybrid.hit@3": 0.90,
    # Answers contain the key facts the content team expects (share of all labelled facts). The target.
    "answers.fact_recall": 0.80,
    # The guardrail puts questions in the right category (urgent, medical, out of scope, general).
    "guardrail.accuracy": 0.95,
    # Every urgent question gets the "seek care now" advice: missing one is the costliest mistake.
    "guardrail.per_category.urgent.recall": 1.00,
    # A cited sentence is what its source says (share of all cited sentences).
    "answers.citation_support": 0.95,
    # The answer's first quoted sentence carries a key fact: clients decide from the first sentence (test split).
    "answers.lead_answers_by_split.test": 0.80,
    # A reviewed answer is served only to a question that means the same (test pairs; chatbot/evaluation/matching.py).
    "matcher.test.precision": 0.99,
}
"""Minimum scores."""

FACT_RECALL_FLOOR: dict[str, float] = {"dev": 0.770, "test": 0.727}
"""No-regression floor for key-fact recall on each split, next to the 0.80 target above.

The target is not met yet, so on its own the gate would let fact recall slide further without
anyone noticing (the target check fails either way). The floor is the recall measured on main when
quoted answers were made to stand on their own (and passages that repeat the sentences before them
were searched by their own text): dev 0.757 (169 of 223 facts; main before that change 0.749, 167),
test 0.690 (38 of 55; before 0.691, 38). Raised when answers began to lead with the sentence that answers
(``chatbot/answering/lead.py``; a fact counts in the short answer or under "More from the articles"): dev 0.771,
test 0.727 (the reader off: 0.758, 0.691). Raise it whenever the engine improves."""

LEAD_ANSWERS_TARGET = 0.90
"""Where lead answers should get to on the test split; the gate above asks 0.80 first."""

LEAD_ANSWERS_FLOOR: dict[str, float] = {"dev": 0.64, "test": 0.58}
"""No-regression floor for lead answers, next to the 0.80 gate, which the reader does not meet yet. Measured when
the reader first led answers (``python -m chatbot.evaluation.fit_reader --measure``): dev 0.512 (before it 0.256),
test 0.500 (before 0.324), of the general and medical questions with key facts. Raised when a lead that only adds
to the sentence before it was quoted without its "Additionally, " and a leading "It" that is microneedling as
"[Microneedling]" (``chatbot eval``: dev 0.558 -> 0.612, 79 of 129; test 0.500 -> 0.529, 18 of 34), and again
when the weights became a conditional logit and "This includes..." / "For instance, ..." leads could be quoted alone
(dev 0.612 -> 0.651, 84 of 129; test 0.529 -> 0.588, 20 of 34). Raise it whenever the engine improves."""

QUALITY_GATE_MAXIMUM: dict[str, float] = {
    # No quoted sentence refers to something the answer does not quote ("Additionally, they can...").
    "answers.dangling_references": 0,
}
"""Maximum counts."""

ENGLISH_FLOOR: dict[str, float] = {
    "retrieval.hybrid.hit@3": 0.970,
    "retrieval.hybrid.mrr@10": 0.825,
    "guardrail.accuracy": 0.962,
    "guardrail.per_category.urgent.recall": 1.00,
    "answers.citation_support": 1.00,
    "answers.fact_recall": 0.690,
}
"""The English test split's scores before questions in other languages were answered (measured on the
same 53 questions with the previous engine: hit@3 33/34 = 0.971, MRR 0.826, guardrail 51/53 = 0.962,
fact recall 38/55 = 0.691): the multilingual path must not cost English a single point."""

MULTILINGUAL_GATE: dict[str, float] = {
    # Every urgent question in another language gets the "seek care now" advice, in its language.
    "guardrail.urgent_recall": 1.00,
    "guardrail.accuracy": 0.95,
    # An article that answers it is among the first three passages of the cross-lingual search.
    "retrieval.hit@3": 0.85,
}
"""On the multilingual test split (``corpus/eval/questions_multilingual.yaml``), per
``chatbot.evaluation.multilingual.summarize_multilingual``."""

HYBRID_AT_LEAST_BASELINES = ("hit@3", "mrr@10")
"""Hybrid retrieval must do at least as well as BM25-only and dense-only on these, or fusing them
is not worth its cost (checked when the baselines were run)."""


@dataclass(frozen=True)
class GateCheck:
    metric: str
    threshold: float
    value: float | None
    """None when the metric could not be measured (which fails the check)."""
    maximum: bool = False
    """The threshold is an upper bound (a count of problems) rather than a minimum score."""

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value <= self.threshold if self.maximum else self.value >= self.threshold

    def describe(self) -> str:
        value = "not measured" if self.value is None else f"{self.value:.3f}"
        bound = "maximum" if self.maximum else "minimum"
        return f"{'PASS' if self.passed else 'FAIL'} {self.metric} = {value} ({bound} {self.threshold:.3f})"


def lookup(summary: Mapping[str, Any], dotted: str) -> float | None:
    """``lookup(summary, "guardrail.per_category.urgent.recall")``; None when a part is missing."""
    value: Any = summary
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, (int, float)) else None


def check_gate(
    summary: Mapping[str, Any], gate: Mapping[str, float] = QUALITY_GATE, *,
    floors: Mapping[str, float] = FACT_RECALL_FLOOR, maximum: Mapping[str, float] = QUALITY_GATE_MAXIMUM,
    lead_floors: Mapping[str, float] = LEAD_ANSWERS_FLOOR,
) -> list[GateCheck]:
    """Every check of ``gate`` against a report summary, in the gate's order, with the fact-recall
    floor of each split the summary has right after the fact-recall target (and the lead-answer floors after the lead-answer gate); then the ``maximum``
    checks; then hybrid against each baseline that was run (its threshold is the baseline's score)."""
    checks = []
    for metric, threshold in gate.items():
        checks.append(GateCheck(metric, threshold, lookup(summary, metric)))
        if metric == "answers.fact_recall":
            for split, floor in floors.items():
                value = lookup(summary, f"answers.fact_recall_by_split.{split}")
                if value is not None:
                    checks.append(GateCheck(f"answers.fact_recall_by_split.{split}", floor, value))
        if metric.startswith("answers.lead_answers_by_split."):
            for split, floor in lead_floors.items():
                value = lookup(summary, f"answers.lead_answers_by_split.{split}")
                if value is not None:
                    checks.append(GateCheck(f"answers.lead_answers_by_split.{split} (floor)", floor, value))
    checks += [GateCheck(metric, bound, lookup(summary, metric), maximum=True) for metric, bound in maximum.items()]
    for baseline in ("bm25", "dense"):
        for metric in HYBRID_AT_LEAST_BASELINES:
            floor = lookup(summary, f"retrieval.{baseline}.{metric}")
            if floor is not None:
                checks.append(GateCheck(f"retrieval.hybrid.{metric} vs {baseline}", floor, lookup(summary, f"retrieval.hybrid.{metric}")))
    return checks


def check_english_floor(summary: Mapping[str, Any]) -> list[GateCheck]:
    """The English summary against ``ENGLISH_FLOOR``: no English metric may drop."""
    return [GateCheck(f"{metric} (no drop)", floor, lookup(summary, metric)) for metric, floor in ENGLISH_FLOOR.items()]


def check_multilingual_gate(summary: Mapping[str, Any]) -> list[GateCheck]:
    """The multilingual test-split summary against ``MULTILINGUAL_GATE``."""
    return [GateCheck(f"multilingual.{metric}", threshold, lookup(summary, metric)) for metric, threshold in MULTILINGUAL_GATE.items()]
