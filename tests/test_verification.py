"""Citation verification on real passages with the real embedding model.

Verification is a pure function of the generated text and the passages, so these
tests feed it hand-written answers, as a language model could write them: faithful
paraphrases, wrong or missing ``[n]``, invented facts, loops and cut-off endings.
The test against a real model is ``tests/test_llm.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from chatbot.answering.verification import NO_ANSWER, cite_verified, verify
from chatbot.text.markers import split_generated

# Claims checked against the passages retrieved for the claim itself: the supporting passage is
# there when the articles say it, and the closest-sounding passages are there when they don't.
FAITHFUL = [
    "Thanks to the numbing cream, most people tolerate the procedure well.",
    "A session usually feels like tiny pinpricks.",
    "A professional applies a numbing cream first to reduce discomfort.",
    "The procedure typically takes about 30 minutes.",
    "Redness and swelling usually go away within a few days.",
    "Avoid makeup and harsh skincare products for 24 to 48 hours after the treatment.",
    "Microneedling can make pores look smaller by boosting collagen and tightening the skin.",
    "Pore size is mainly determined by genetics and aging.",
    "Common side effects include redness, swelling and slight irritation.",
    "Infection or scarring is rare but possible if aftercare instructions are not followed.",
    "Multiple treatments may be needed for more significant results.",
    "Microneedling is far less costly than laser treatment.",
    "Protect the treated skin from the sun with a broad-spectrum sunscreen of at least SPF 30.",
    "Those with darker skin may choose microneedling over laser treatment, which uses heat.",
]
INVENTED = [
    "Microneedling does not hurt.",
    "Most people describe the pain as a 7 out of 10.",
    "The procedure is painful and requires general anesthesia.",
    "A session usually takes about two hours.",
    "Each session takes about 45 minutes.",
    "Full recovery takes six weeks of bed rest.",
    "You can wear makeup right after the treatment.",
    "Microneedling removes pores completely after one session.",
    "Microneedling is completely risk-free for every skin tone.",
    "The most common side effect is hair loss.",
    "Side effects are permanent in about 10% of patients.",
    "Microneedling removes all acne scars in a single session.",
    "Microneedling works best on active acne breakouts.",
    "A session costs about 300 dollars.",
    "Microneedling is a laser treatment that burns the top layer of skin.",
    "Microneedling was invented in Korea in 1995.",
    "You should take a hot sauna right after treatment to open the pores.",
    "Apply retinol the same evening to speed up healing.",
    "Microneedling does not help with acne scars, but it can be a treatment option for skin health.",
]


@pytest.fixture(scope="module")
def check(engine, built_settings):
    """``check(text, passages)``: verify as the LLM generator does, with the live corpus statistics."""
    idf = engine.scoring().idf
    return lambda text, passages: verify(text, passages, engine.embedder, built_settings, idf=idf)


def test_markers_are_read_wherever_a_model_puts_them():
    text = (
        "Microneedling takes about 30 minutes. [2] Redness fades within days [1][3].\n"
        "- Use SPF 30 daily [Passage 4]\n"
        "The answer to your question is:\n"
        "Sessions feel like pinpricks [1, 5]. It is cut off and"
    )
    assert [(g.text, g.cited) for g in split_generated(text)] == [
        ("Microneedling takes about 30 minutes.", (2,)),
        ("Redness fades within days.", (1, 3)),
        ("Use SPF 30 daily", (4,)),
        ("The answer to your question is:", ()),
        ("Sessions feel like pinpricks.", (1, 5)),
        ("It is cut off and", ()),
    ]


def test_invented_facts_are_dropped_with_the_reason(engine, check):
    kept = []
    for claim in INVENTED:
        result = check(f"{claim} [1]", engine.search(claim))
        if result.kept:
            kept.append(claim)
        else:
            assert result.dropped[0]["reason"].startswith("unsupported")
    assert kept == []


def test_faithful_paraphrases_mostly_survive(engine, check):
    kept = [claim for claim in FAITHFUL if check(f"{claim} [1]", engine.search(claim)).kept]
    print(f"kept {len(kept)} of {len(FAITHFUL)} faithful paraphrases")
    assert len(kept) >= 0.75 * len(FAITHFUL), sorted(set(FAITHFUL) - set(kept))


def test_a_number_the_passage_does_not_contain_is_named(engine, check):
    passages = engine.search("How long does a microneedling session take?")
    cited = next(i for i, p in enumerate(passages) if "30 minutes" in p.chunk.text) + 1
    result = check(f"The procedure typically takes about 45 minutes [{cited}].", passages)
    assert not result.kept
    assert "45" in result.dropped[0]["reason"]


def test_a_not_that_the_passage_does_not_have_is_caught(engine, check):
    passages = engine.search("Does microneedling help with acne scars?")
    assert check("Microneedling helps with acne scars [1].", passages).kept
    result = check("Microneedling does not help with acne scars [1].", passages)
    assert not result.kept and result.dropped[0]["reason"] == 'unsupported by [1]: it says "not" where the passage does not'


def test_copied_passage_headers_are_not_sentences(engine, check):
    passages = engine.search("What are the side effects of microneedling?")
    header = f"{passages[0].chunk.title} — {passages[0].chunk.section}."
    claim = "Common side effects include redness, swelling and slight irritation."
    result = check(f"{header} [1] {passages[0].chunk.title} — {claim}", passages)
    assert result.dropped[0]["reason"] == "a heading copied from the passages"
    assert [k.text for k in result.kept] == [claim]


def test_wrong_citation_is_moved_to_the_passage_that_says_it(engine, check):
    claim = "Thanks to the numbing cream, the procedure is generally well tolerated."
    passages = engine.search("Does microneedling hurt?")
    says_it = [i for i, p in enumerate(passages) if "numbing cream" in p.chunk.text]
    wrong = next(i for i, p in enumerate(passages) if "numbing" not in p.chunk.text)
    assert says_it, "retrieval should find the passage about the numbing cream"
    result = check(f"{claim} [{wrong + 1}]", passages)
    assert len(result.kept) == 1 and result.kept[0].passage in says_it
    assert result.corrected == [{"text": claim, "from": [wrong + 1], "passage": result.kept[0].passage + 1}]
    sentences, citations = cite_verified(result.kept, passages)
    assert sentences[0].citation == 1 and "numbing cream" in citations[0].text
    assert any("numbing cream" in s for s in citations[0].sentences)


def test_out_of_range_and_missing_markers_get_a_real_source(engine, check):
    passages = engine.search("How long does a microneedling session take?")
    text = "The procedure typically takes about 30 minutes [9]. Most sessions last between 30 minutes and an hour."
    result = check(text, passages)
    assert len(result.kept) == 2 and len(result.corrected) == 2
    sentences, citations = cite_verified(result.kept, passages)
    assert all(1 <= s.citation <= len(citations) for s in sentences)
    assert all("30 minutes" in citations[s.citation - 1].text for s in sentences)


def test_loops_headings_and_cut_off_endings_are_dropped(engine, check):
    passages = engine.search("Does microneedling hurt?")
    text = (
        "The answer to your question is:\n"
        "A session feels like tiny pinpricks [1]. Sessions feel like tiny pinpricks [1]. "
        "Microneedling is a cosmetic procedure that can improve the"
    )
    result = check(text, passages)
    assert [k.text for k in result.kept] == ["A session feels like tiny pinpricks."]
    assert [d["reason"].split(":")[0].split(",")[0] for d in result.dropped] == [
        "a heading or lead-in", "repeats an earlier sentence", "incomplete"
    ]


def test_saying_the_articles_do_not_answer_is_recognised(engine, check):
    result = check("Our articles don't answer this.", engine.search("What is the capital of France?"))
    assert not result.kept and result.dropped[0]["reason"] == NO_ANSWER and result.found_no_answer


def test_sources_are_numbered_in_order_of_first_use(engine, check):
    passages = engine.search("Can microneedling shrink pores?")
    result = check(
        "Microneedling can make pores look smaller by boosting collagen and tightening the skin. "
        "Pore size is mainly determined by genetics and aging. "
        "Regular treatments may be necessary to maintain the results.",
        passages,
    )
    sentences, citations = cite_verified(result.kept, passages)
    assert [c.n for c in citations] == list(range(1, len(citations) + 1))
    first_use = list(dict.fromkeys(s.citation for s in sentences))
    assert first_use == [c.n for c in citations]
    assert {c.chunk_id for c in citations} <= {p.chunk.id for p in passages}


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("ab [],.:0123456789\n-*Microneedlg")) | st.characters(), max_size=300))
def test_any_model_output_verifies_without_error_and_cites_in_range(engine, check, text):
    passages = engine.search("Does microneedling hurt?")
    result = check(text, passages)
    assert result.checked == len(result.kept) + len(result.dropped)
    sentences, citations = cite_verified(result.kept, passages)
    assert all(1 <= s.citation <= len(citations) for s in sentences)
