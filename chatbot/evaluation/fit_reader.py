"""Fit the reader's weights on the dev split and write ``chatbot/answering/reader_weights.json``.

    python -m chatbot.evaluation.fit_reader            # fit on dev, write the weights, print the CV lead rate
    python -m chatbot.evaluation.fit_reader --measure  # lead answers, fact recall and length, reader off and on, per split

Every candidate sentence of every dev question that is answered by quoting (general, medical) is a
row of ``chatbot.answering.reader.FEATURES``; its label is whether the answer it would open (the sentence
quoted alone, or the sentence before it when it needs one) starts with one of the question's lead facts
(``EvalQuestion.lead_facts``). The reader picks one sentence per question, so the weights are those of a
conditional logit (McFadden 1973; a listwise ranker): a softmax over each question's sentences that can
lead, fitted by maximum likelihood that a labelled one is picked, with an L2 penalty. Fitted this way it
opens with a lead fact for 75 of 129 dev questions in cross-validation, against 71 for a logistic regression
over the sentences one by one. The penalty is chosen by grouped 5-fold cross-validation on the dev
questions, scored by what the reader is for: the share of questions whose best-scored sentence opens with
a lead fact. The test split is never read here except by ``--measure``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatbot.answering.extractive import candidates, select_sentences
from chatbot.answering.lead import lead_of, reader_pool
from chatbot.answering.question_type import KINDS
from chatbot.answering.reader import FEATURES, WEIGHTS_FILE, features, read_question
from chatbot.evaluation.metrics import fact_found
from chatbot.evaluation.questions import EvalQuestion, load_questions, questions_path
from chatbot.evaluation.runner import LEAD_CATEGORIES
from chatbot.guardrail.notes import medical_terms
from chatbot.guardrail.verdict import MEDICAL

PENALTIES = (0.01, 0.03, 0.1, 0.3, 1.0)
"""L2 penalties tried, on standardised features, per question of the mean log-likelihood."""
FOLDS = 5
SIGNS = {"type_match": (0, None), "type_conflict": (None, 0), **{f"match_{k}": (0, None) for k in KINDS}}
"""Signs the weights must have whatever the few dev questions of a kind say: a sentence with what the question's
type needs is never held against, one about the other side of the treatment ("after" for "before my
appointment") never favoured."""


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
    vector = engine.query_vector(answer.standalone_question or q.question)
    every = candidates(query, vector, passages, scoring)
    picked = select_sentences(query, vector, passages, scoring, engine.settings, every=every)
    pool = reader_pool(every, picked, engine.settings)
    if not pool:
        return None
    quotable = {(c.passage, c.index): c for c in every}
    question = read_question(query)
    rows = features(question, pool, passages, scoring, picked=picked, lead=picked[0].passage if picked else None)
    # what the answer would open with, as compose_around_lead quotes it
    opening = [lead_of(c, quotable, question, engine.settings.quote_reference_strategy) for c in pool]
    labels = np.asarray([o is not None and any(fact_found(f, o[0].text) for f in q.lead_facts) for o in opening])
    return Group(q.id, rows, labels, np.asarray([o is not None for o in opening]))


def lead_rate(groups: Sequence[Group], coef: np.ndarray, intercept: float) -> float:
    """Share of ``groups`` whose best-scored sentence that can lead carries a lead fact."""
    hits = 0
    for g in groups:
        scores = np.where(g.can_lead, g.rows @ coef + intercept, -np.inf)
        hits += bool(g.labels[int(np.argmax(scores))])
    return hits / len(groups) if groups else 0.0


def fit(groups: Sequence[Group], penalty: float) -> tuple[np.ndarray, float]:
    """Conditional-logit weights over ``groups`` (in the features' own units) and an intercept of 0: only the
    order of a question's sentences matters, so a feature that is the same for all of them ("typed") gets 0.

    Maximises the mean log-probability that the reader picks a labelled sentence among those that can lead,
    minus ``penalty`` times the squared weights of the standardised features, within ``SIGNS``. Raises
    ``ValueError`` when no group has a labelled sentence that can lead, or when the optimiser fails."""
    from scipy.optimize import minimize  # fitting only: answering reads the shipped numbers
    from scipy.special import logsumexp, softmax

    usable = [g for g in groups if (g.labels & g.can_lead).any()]
    if not usable:
        raise ValueError("no question has a sentence that can lead with one of its lead facts: nothing to fit")
    every = np.vstack([g.rows for g in usable])
    mean, spread = every.mean(axis=0), every.std(axis=0)
    scale = np.where(spread > 0, spread, 1.0)
    rows = [(g.rows[g.can_lead] - mean) / scale for g in usable]
    hits = [g.labels[g.can_lead] for g in usable]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = penalty * float(w @ w), 2 * penalty * w
        for x, y in zip(rows, hits):
            s = x @ w
            total -= float(logsumexp(s[y]) - logsumexp(s)) / len(rows)
            grad -= (x[y].T @ softmax(s[y]) - x.T @ softmax(s)) / len(rows)
        return total, grad

    bounds = [SIGNS.get(f, (None, None)) for f in FEATURES]
    result = minimize(loss, np.zeros(every.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds)
    if not result.success:
        raise ValueError(f"fitting the reader did not converge: {result.message}")
    return result.x / scale, 0.0


def cross_validate(groups: Sequence[Group], penalty: float) -> float:
    """Lead rate of weights fitted on the other folds, over all dev questions (folds by question)."""
    hits = 0.0
    for k in range(FOLDS):
        train = [g for i, g in enumerate(groups) if i % FOLDS != k]
        held = [g for i, g in enumerate(groups) if i % FOLDS == k]
        coef, intercept = fit(train, penalty)
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
    groups = [g for q in dev if q.facts and (g := question_rows(engine, q)) is not None]
    scores = {c: cross_validate(groups, c) for c in PENALTIES}
    best = max(PENALTIES, key=lambda c: (round(scores[c], 4), c))  # on a tie, the stronger penalty
    coef, intercept = fit(groups, best)
    data = {
        "features": list(FEATURES), "coef": [round(float(v), 4) for v in coef], "intercept": round(intercept, 4),
        "fitted": f"conditional logit, L2 penalty {best}, on the {sum(bool((g.labels & g.can_lead).any()) for g in groups)} of {len(groups)} "
                  "dev questions answered by quoting whose candidates can open with a lead fact",
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
