"""Hybrid retrieval (chatbot/knowledge/search.py): the right article for paraphrased questions, scores kept."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from chatbot.engine.engine import Engine
from chatbot.knowledge.keywords import KeywordIndex
from chatbot.knowledge.search import diversify, reciprocal_rank_fusion
from chatbot.text.glossary import expand

PORES = {"microneedling-pore-size", "treat-large-pores"}
ACNE = {"microneedling-acne-scars"}
AGING = {"microneedling-signs-of-aging", "microneedling-benefits-process-results"}
RISK_SECTIONS = {
    "What risks come along with Microneedling?",
    "Potential Side Effects and Safety Considerations",
    "Are There Any Risks Involved?",
}
TOP = 3
"""The right article must be among this many passages: the ones the answer mostly quotes."""

PARAPHRASES = [
    ("will the holes in my nose get smaller", PORES),
    ("could this make the openings on my face less visible", PORES),
    ("can microneedling tighten loose, ageing skin?", AGING),
    ("wrinkles around my eyes and sagging cheeks", AGING),
    ("can it fix the pitted marks from my teenage spots", ACNE),
    ("crow's feet and saggy skin", AGING),  # quoted since the reader chooses sentences by what they answer
    ("do the dents left by old zits go away", ACNE),
]


@pytest.mark.parametrize(("question", "articles"), PARAPHRASES)
def test_paraphrased_question_retrieves_and_cites_the_right_article(engine, question, articles):
    answer = engine.ask(question)
    top = [p.chunk.article for p in answer.passages[:TOP]]
    assert set(top) & articles, f"{question!r}: top passages come from {top}"
    cited = {c.article for c in answer.citations}
    assert cited & articles, f"{question!r}: answer cites {cited}"


@pytest.mark.parametrize(
    "question",
    [
        "what are the dangers of microneedling",
        "are there side effects I should worry about?",
        "what can go wrong with the needles",
    ],
)
def test_risk_questions_reach_a_risks_section(engine, question):
    sections = [p.chunk.section for p in engine.search(question)[:TOP]]
    assert set(sections) & RISK_SECTIONS, sections


@pytest.mark.parametrize(
    ("question", "quoted"),
    [
        ("what happens during the appointment?", "numbing cream"),  # the articles say "session"
        ("do you numb my face first?", "numbing cream"),
    ],
)
def test_client_words_for_the_visit_reach_what_happens_in_a_session(engine, question, quoted):
    assert quoted in engine.ask(question).body


def test_the_answer_opens_with_a_passage_that_uses_the_questions_words(engine):
    # By meaning alone a pore passage that never says "wrinkles" is closest to this question.
    answer = engine.ask("can it get rid of wrinkles around my mouth")
    assert "wrinkles" in answer.citations[0].text.lower(), answer.body


def test_langchain_retriever_returns_documents_with_scores(engine):
    retriever = engine.retriever(k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Does microneedling make pores look smaller?")
    assert len(docs) == 4
    assert all(isinstance(d, Document) for d in docs)
    for doc in docs:
        meta = doc.metadata
        assert {"chunk_id", "article", "title", "section", "score", "dense_score", "bm25_score", "dense_rank", "bm25_rank"} <= set(meta)
        assert doc.page_content and meta["chunk_id"] == doc.id
        assert meta["score"] > 0
        assert -1.0 <= meta["dense_score"] <= 1.0
    scores = [d.metadata["score"] for d in docs]
    assert scores[0] == max(scores)  # the best passage leads; the next come from other articles first
    for article in {d.metadata["article"] for d in docs}:
        own = [d.metadata["score"] for d in docs if d.metadata["article"] == article]
        assert own == sorted(own, reverse=True)
    assert {d.metadata["article"] for d in docs} & PORES


def test_retriever_modes_keep_only_their_own_scores(engine):
    question = "how long does the redness last after a session"
    dense = engine.retriever(k=5, mode="dense").invoke(question)
    keyword = engine.retriever(k=5, mode="bm25").invoke(question)
    assert dense and keyword
    assert all(d.metadata["bm25_rank"] == 0 and d.metadata["dense_rank"] > 0 for d in dense)
    assert all(d.metadata["dense_rank"] == 0 and d.metadata["bm25_rank"] > 0 for d in keyword)
    for docs, key in ((dense, "dense_rank"), (keyword, "bm25_rank")):
        ranks = [d.metadata[key] for d in docs]
        assert ranks[0] == 1 and len(set(ranks)) == len(ranks)


def test_diversify_gives_each_article_a_place_before_repeating_one():
    ids = ["a1", "a2", "b1", "a3", "c1", "b2"]
    articles = ["a", "a", "b", "a", "c", "b"]
    assert diversify(ids, articles, k=4, per_article=1) == ["a1", "b1", "c1", "a2"]
    assert diversify(ids, articles, k=4, per_article=2) == ["a1", "a2", "b1", "c1"]
    assert diversify(ids, articles, k=10, per_article=1) == ["a1", "b1", "c1", "a2", "a3", "b2"]


def test_hybrid_scores_are_the_reciprocal_rank_fusion_of_both_lists(engine):
    s = engine.settings
    question = "smoking and lack of sleep make pores look bigger"
    # BM25 reads the question with the glossary's article terms, and its vote is scaled by how much
    # those words mean to this corpus.
    bm25_weight = s.bm25_weight * engine.index.snapshot().keywords.informativeness(expand(question))
    passages = engine.search(question, k=10)
    assert any(p.dense_rank and p.bm25_rank for p in passages)
    for passage in passages:
        expected = 0.0
        if passage.dense_rank:
            expected += s.dense_weight / (s.rrf_k + passage.dense_rank)
        if passage.bm25_rank:
            expected += bm25_weight / (s.rrf_k + passage.bm25_rank)
        assert passage.score == pytest.approx(expected)


def test_hybrid_can_return_a_passage_only_bm25_found(built_settings, embedder):
    """With short candidate lists, keyword matches that dense search misses still reach the answer."""
    engine = Engine(built_settings.replace(candidate_k=4), embedder=embedder)
    question = "endometriosis and Hydrafacial"
    dense_ids = {p.chunk.id for p in engine.search(question, mode="dense", k=4)}
    keyword_only = [p for p in engine.search(question, k=8) if p.dense_rank == 0]
    assert keyword_only, "every hybrid passage was also a dense hit"
    for passage in keyword_only:
        assert passage.bm25_rank > 0 and passage.chunk.id not in dense_ids
    found = " ".join(p.chunk.text for p in keyword_only)
    assert "endometriosis" in found or "Hydrafacial" in found


def test_search_returns_at_most_k_distinct_passages(engine):
    passages = engine.search("microneedling", k=5)
    assert len(passages) == 5
    assert len({p.chunk.id for p in passages}) == 5
    assert all(p.chunk.sentences and len(p.chunk.sentence_vectors) == len(p.chunk.sentences) for p in passages)


def test_question_with_no_keywords_still_gets_dense_results(engine):
    passages = engine.search("is it ???")
    assert passages and all(p.bm25_rank == 0 for p in passages)


# --- fusion and BM25 on tiny examples ---------------------------------------------------------


def test_reciprocal_rank_fusion_exact_numbers():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], [1.0, 1.0], k=60)
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert sorted(fused, key=fused.get, reverse=True) == ["a", "c", "b"]


def test_reciprocal_rank_fusion_weights_and_k():
    fused = reciprocal_rank_fusion([["a", "b"], ["b"]], [2.0, 0.5], k=1)
    assert fused == pytest.approx({"a": 2.0 / 2, "b": 2.0 / 3 + 0.5 / 2})
    assert reciprocal_rank_fusion([[], []], [1.0, 1.0]) == {}


SENTENCES = [
    "Microneedling makes large pores look smaller.",
    "Numbing cream keeps the session comfortable.",
    "Acne scars fade as new collagen forms.",
]


@pytest.mark.parametrize("backend", ["bm25s", "rank_bm25"])
def test_bm25_ranks_the_sentence_sharing_the_rare_word_first(backend):
    index = KeywordIndex(SENTENCES, backend=backend)
    rows, scores = index.search("are my pores too large?", 3)
    assert rows[0] == 0 and scores[0] > 0
    rows, _ = index.search("numbing", 3)
    assert list(rows) == [1]
    rows, _ = index.search("weather tomorrow", 3)
    assert len(rows) == 0


def test_bm25_idf_matches_the_robertson_formula():
    import math

    index = KeywordIndex(SENTENCES)
    # "collagen" occurs in 1 of 3 documents: log((3 - 1 + 0.5) / (1 + 0.5) + 1)
    assert index.idf("collagen") == pytest.approx(math.log(2.5 / 1.5 + 1))
    assert index.idf("never-seen") > index.idf("collagen")
