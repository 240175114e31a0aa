"""Fitting the reader's weights (``chatbot.evaluation.fit_reader``) on small made-up questions: the
conditional logit finds the feature that marks the answer, keeps the answer-type signs, and fails with a
clear message instead of writing weights it could not fit."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.answering.reader import FEATURES
from chatbot.evaluation.fit_reader import Group, fit, lead_rate

BM25, CONFLICT = FEATURES.index("bm25"), FEATURES.index("type_conflict")


def _groups(n: int, *, marker: int, seed: int = 0) -> list[Group]:
    """``n`` questions of six sentences each; the one with the highest ``marker`` feature answers."""
    rng = np.random.default_rng(seed)
    groups = []
    for i in range(n):
        rows = rng.normal(size=(6, len(FEATURES)))
        labels = np.zeros(6, dtype=bool)
        labels[int(np.argmax(rows[:, marker]))] = True
        groups.append(Group(f"q{i}", rows, labels, np.ones(6, dtype=bool)))
    return groups


def test_the_fit_finds_the_feature_that_marks_the_answer():
    coef, intercept = fit(_groups(200, marker=BM25), 0.01)
    assert intercept == 0.0
    assert int(np.argmax(coef)) == BM25
    assert lead_rate(_groups(40, marker=BM25, seed=1), coef, intercept) >= 0.9  # questions it never saw


def test_a_sentence_about_the_other_side_of_the_treatment_is_never_favoured():
    # made-up data where "type_conflict" marks the answer: the weight stays at its bound, 0
    coef, _ = fit(_groups(60, marker=CONFLICT), 0.01)
    assert coef[CONFLICT] <= 0.0


def test_only_sentences_that_can_lead_count():
    groups = _groups(30, marker=BM25)
    # the best sentence cannot lead: the fit must learn from the others, and the rate ignores it
    blocked = [Group(g.id, g.rows, g.labels, ~g.labels) for g in groups]
    assert lead_rate(blocked, *fit(groups, 0.01)) == 0.0


def test_an_outlier_and_a_constant_feature_do_not_break_the_fit():
    groups = _groups(20, marker=BM25)
    far = groups[0].rows.copy()
    far[~groups[0].labels, BM25] = 1e4  # the answer scores far below the rest of its question
    groups[0] = Group("far", far, groups[0].labels, groups[0].can_lead)
    for g in groups:
        g.rows[:, FEATURES.index("typed")] = 1.0  # the same for every sentence, as "typed" is within a question
    coef, _ = fit(groups, 0.01)
    assert np.isfinite(coef).all()
    assert coef[FEATURES.index("typed")] == 0.0


def test_nothing_to_fit_is_said_plainly():
    groups = [Group(g.id, g.rows, np.zeros(6, dtype=bool), g.can_lead) for g in _groups(5, marker=BM25)]
    with pytest.raises(ValueError, match="nothing to fit"):
        fit(groups, 0.1)
