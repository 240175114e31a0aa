from __future__ import annotations


def test_pore_question_cites_pore_articles(engine):
    answer = engine.ask("Does microneedling shrink pores?")
    assert answer.guardrail.category == "general"
    assert {c.article for c in answer.citations} & {"microneedling-pore-size", "treat-large-pores"}
    assert "[1]" in answer.text
