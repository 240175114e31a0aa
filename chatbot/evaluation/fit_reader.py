"""Fit the reader's weights on the dev split and write ``chatbot/answering/reader_weights.json``.

    python -m chatbot.evaluation.fit_reader            # fit on dev, write the weights, print the CV lead rate
    python -m chatbot.evaluation.fit_reader --measure  # lead answers, fact recall and length, reader off and on, per split

Every candidate sentence of every dev question that is answered by quoting (general, medical) is a
row of ``chatbot.answering.reader.FEATURES``; its label is whether it carries one of the question's lead
facts (``EvalQuestion.lead_facts``). A logistic regression (scikit-learn, L2) is fitted over them; its
regularisation is chosen by grouped 5-fold cross-validation on the dev questions, scored by what the
reader is for: the share of questions whose best-scored sentence carries a lead fact. The test split is
never read here except by ``--measure``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatbot.answering.extractive import candidates, select_sentences
from chatbot.answering.lead import quoted_alone
from chatbot.answering.quoting import standalone_group
from chatbot.answering.reader import FEATURES, WEIGHTS_FILE, features, read_question
from chatbot.evaluation.metrics import fact_found
from chatbot.evaluation.questions import EvalQuestion, load_questions, questions_path
from chatbot.evaluation.runner import LEAD_CATEGORIES
from chatbot.guardrail.notes import medical_terms
from chatbot.guardrail.verdict import MEDICAL

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
FOLDS = 5


@dataclass(frozen=True)
class Group:
    """One question's candidate sentences: feature rows, labels, and which can lead on their own."""

    id: str
    rows: np.ndarray
    labels: np.ndarray
    can_lead: np.ndarray


def question_rows(engine, q: EvalQuestion) -> Group | None:
    """The reader's rows for ``q`` as the engine answers it; None when it is not answered by quoting."""
    answer = engine.ask(q.question, list(q.history), reviewed=False)
    verdict = answer.guardrail
    if verdict.category not in LEAD_CATEGORIES or not answer.passages:
        return None
    query = answer.standalone_question or q.question
    if verdict.category == MEDICAL:
        query = f"{query} {medical_terms(verdict)}".strip()
    passages = list(answer.passages)
    scoring = engine.scoring()
    every = candidates(query, engine.query_vector(answer.standalone_question or q.question), passages, scoring)
    picked = select_sentences(query, engine.query_vector(answer.standalone_question or q.question), passages, scoring, engine.settings, every=every)
    pool = list(dict.fromkeys([*picked, *(c for c in every if c.similarity >= engine.settings.sentence_min_relevance)]))
    if not pool:
        return None
    quotable = {(c.passage, c.index): c for c in every}
    rows = features(read_question(query), pool, passages, scoring, picked=picked, lead=picked[0].passage if picked else None)
    labels = np.asarray([any(fact_found(f, c.text) for f in q.lead_facts) for c in pool])
    can_lead = np.asarray([
        quoted_alone(c, quotable) is not None or ((g := standalone_group(c, [], quotable, engine.settings.quote_reference_strategy)) is not None and len(g) <= 2)
        for c in pool
    ])
    return Group(q.id, rows, labels, can_lead)


def lead_rate(groups: Sequence[Group], coef: np.ndarray, intercept: float) -> float:
    """Share of ``groups`` whose best-scored sentence that can lead carries a lead fact."""
    hits = 0
    for g in groups:
        scores = np.where(g.can_lead, g.rows @ coef + intercept, -np.inf)
        hits += bool(g.labels[int(np.argmax(scores))])
    return hits / len(groups) if groups else 0.0


def fit(groups: Sequence[Group], c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression  # fitting only: answering reads the shipped numbers

    rows = np.vstack([g.rows for g in groups])
    labels = np.concatenate([g.labels for g in groups])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(rows, labels)
    return model.coef_[0], float(model.intercept_[0])


def cross_validate(groups: Sequence[Group], c: float) -> float:
    """Lead rate of weights fitted on the other folds, over all dev questions (folds by question)."""
    hits = 0.0
    for k in range(FOLDS):
        train = [g for i, g in enumerate(groups) if i % FOLDS != k]
        held = [g for i, g in enumerate(groups) if i % FOLDS == k]
        coef, intercept = fit(train, c)
        hits += lead_rate(held, coef, intercept) * len(held)
    return hits / len(groups)


def main(argv: Sequence[str] | None = None) -> None:
    from chatbot.engine.engine import Engine

    parser = argparse.ArgumentParser(prog="python -m chatbot.evaluation.fit_reader", description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help="measure lead answers with the reader off and on instead of fitting")
    args = parser.parse_args(argv)
    engine = Engine()
    if args.measure:
        measure(engine)
        return
    dev = load_questions(questions_path(engine.settings), split="dev")
    groups = [g for q in dev if q.facts and (g := question_rows(engine, q)) is not None and g.labels.any()]
    scores = {c: cross_validate(groups, c) for c in C_GRID}
    best = max(C_GRID, key=lambda c: (round(scores[c], 4), -abs(np.log(c))))
    coef, intercept = fit(groups, best)
    data = {
        "features": list(FEATURES), "coef": [round(float(v), 4) for v in coef], "intercept": round(intercept, 4),
        "fitted": f"logistic regression, C={best}, on {len(groups)} dev questions with a lead fact among their candidates",
        "cv_lead_rate": {str(c): round(s, 3) for c, s in scores.items()}, "dev_lead_rate": round(lead_rate(groups, coef, intercept), 3),
    }
    WEIGHTS_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in data.items() if k != "coef"}, indent=1))
    for name, value in sorted(zip(FEATURES, coef), key=lambda x: -abs(x[1])):
        print(f"  {name:>22} {value:+.3f}")


def measure(engine) -> None:
    """Lead answers, fact recall and answer length per split with the reader off, then on."""
    from chatbot.engine.engine import Engine
    from chatbot.evaluation.runner import evaluate
    from chatbot.evaluation.summary import answer_summary

    for split in ("dev", "test"):
        questions = load_questions(questions_path(engine.settings), split=split)
        for on in (False, True):
            twin = Engine(engine.settings.replace(reader=on, reviewed_answers=False), embedder=engine.embedder)
            a = answer_summary(evaluate(twin, questions, baselines=False).results)["answers"]
            print(f"{split} reader={'on' if on else 'off'}: lead answers {a['lead_answers']:.3f}, fact recall {a['fact_recall']:.3f}, "
                  f"length {json.dumps(a['length'])}")


if __name__ == "__main__":
    main()
