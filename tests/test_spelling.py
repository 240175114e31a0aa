"""Typo correction towards the articles' own words (chatbot.text.tokens.correct_spelling), through the engine."""

from __future__ import annotations

import pytest

from chatbot.text.tokens import correct_spelling


@pytest.mark.parametrize(
    ("question", "fixed"),
    [
        ("is it effectve for wrinkels", "wrinkles"),
        ("is there downtime after the treatmnet", "treatment"),
        ("what does micro needling do", "microneedling"),
    ],
)
def test_typos_are_corrected_into_the_articles_words(engine, question, fixed):
    assert fixed in engine.ask(question).standalone_question


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("why do influencers love microneedling", "influencers"),  # not "influenced"
        ("theyre saying it helps pores", "theyre"),  # not "there"
        ("can I shave after microneedling, I'm shaving daily", "shaving"),  # not "saving"
    ],
)
def test_real_words_are_never_corrected_into_other_words(engine, question, kept):
    assert kept in engine.ask(question).standalone_question


def test_an_uninflected_known_word_vouches_for_its_forms():
    articles = frozenset({"influenced", "saving"})
    known = frozenset({"influence", "shave"})
    assert correct_spelling("influencers shaving", articles, known=known) == "influencers shaving"
    assert correct_spelling("influensed", articles, known=known) == "influenced"


def test_a_misspelt_question_is_not_refused_for_its_typos(engine):
    answer = engine.ask("how long is the downtiem")
    assert answer.guardrail.category == "general", answer.guardrail.reason
