"""Quoted answers that stand on their own (chatbot/answering/quoting.py, chatbot/answering/extractive.py): the opener
detector, the dangling-reference metric, and real answers on the real corpus."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chatbot.answering.model import Answer, AnswerSentence, Citation
from chatbot.answering.quoting import dangling_sentences, is_care_passage, standalone_group
from chatbot.errors import SettingsError
from chatbot.guardrail.verdict import GENERAL, URGENT, GuardrailVerdict
from chatbot.settings import DROP, PREPEND
from chatbot.text.references import opens_with_reference

# --- the opener detector -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Additionally, they can provide guidance on the number of sessions needed and any potential side effects.",
        "They can assess your skin type and condition to determine if microneedling is the right treatment for you.",
        "However, these effects are not permanent and will gradually diminish.",
        "This means the skin needs time to heal.",
        "This is because the underlying factors are not addressed by microneedling alone.",
        "These proteins play a crucial role in maintaining the skin's firmness.",
        "It involves the use of fine needles to create controlled skin injuries.",
        "It can be performed on different skin types and tones, making it a versatile treatment for many.",
        "As a result, the skin undergoes a remodeling process over several weeks or even months.",
        "For instance, varying needle lengths can target different skin layers.",
        "Also, avoid the sun for a week.",
        "Moreover, results improve over several sessions.",
        "In addition, the skin may feel tight.",
        "Therefore, multiple sessions are usually recommended.",
        "Their expertise clarifies whether microneedling aligns with your skin goals and health.",
        "Those that utilize energy or heat are more prone to get burns.",
        "Another important safety consideration is the risk of hyperpigmentation.",
        "Over time, this increased production can lead to a reduction in the appearance of pores.",
        "For individuals with sensitive or reactive skin, these risks can be heightened.",
        "Among these, microneedling has emerged prominently as a revolutionary procedure.",
        "By triggering the skin's repair mechanisms, it encourages a more youthful appearance and texture.",
        "Such treatments should be spaced a month apart.",
        "“However, the redness fades.”",
    ],
)
def test_sentences_that_refer_back_are_recognised(sentence):
    assert opens_with_reference(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "It is important to note that microneedling is not a permanent solution for pore size reduction.",
        "It's essential to follow pre-treatment and post-treatment guidelines provided by your skincare specialist.",
        "It’s essential to consult a dermatologist first.",  # curly apostrophe
        "It is crucial to follow proper aftercare tips.",
        "It's normal for the skin to look red for a day or two.",
        "It is worth noting that results vary.",
        "It has been shown that collagen increases after several sessions.",
        "It's the gradual process of collagen building that contributes to scar improvement.",
        "This procedure involves repeatedly puncturing the skin with tiny, sterile needles.",
        "This minimally invasive treatment has garnered significant attention.",
        "This technique involves the use of a device equipped with tiny, sterile needles.",
        "Those with darker skin tones may choose microneedling over laser therapy.",
        "Those who have active acne should wait.",
        "Microneedling is a minimally invasive cosmetic procedure.",
        "After microneedling, it's crucial to follow specific aftercare instructions to ensure optimal results.",
        "When the tiny needles penetrate the skin, they create channels in the dermis.",
        "Despite the fact that bleeding is rare, it can occur during more complex procedures.",
        "There is always a possibility for bacteria to enter these micro-injuries.",
        "Also known as collagen induction therapy, microneedling uses fine needles.",
        "Instead of a laser, microneedling uses fine needles.",
        "Thanks to the numbing cream, the procedure is generally well-tolerated.",
        "Theyre",  # not a sentence, and not "they"
        "Therapy sessions last 30 minutes.",
    ],
)
def test_sentences_that_stand_on_their_own_are_not_flagged(sentence):
    assert not opens_with_reference(sentence)


# --- the dangling-reference metric on a constructed answer ---------------------------------------

PASSAGE = (
    "Before deciding to undergo microneedling, it's important to consult with a qualified dermatologist. "
    "They can assess your skin type and condition. "
    "Additionally, they can provide guidance on the number of sessions needed."
)
S0, S1, S2 = (
    "Before deciding to undergo microneedling, it's important to consult with a qualified dermatologist.",
    "They can assess your skin type and condition.",
    "Additionally, they can provide guidance on the number of sessions needed.",
)
OTHER = "However, results vary. Microneedling is generally safe."


def _answer(*sentences: tuple[str, int | None]) -> Answer:
    citations = (
        Citation(1, "a", "A", "Considerations", "c1", PASSAGE, 0.5),
        Citation(2, "b", "B", "Risks", "c2", OTHER, 0.4),
    )
    return Answer("q", tuple(AnswerSentence(t, n) for t, n in sentences), citations, GuardrailVerdict(GENERAL, "test", "", "test"))


def test_a_reference_right_after_its_passage_sentence_does_not_dangle():
    assert dangling_sentences(_answer((S0, 1), (S1, 1), (S2, 1))) == []


def test_a_reference_without_the_sentence_before_it_dangles():
    assert dangling_sentences(_answer((S0, 1), (S2, 1))) == [S2]  # S1 skipped: "they" now has nothing to point at
    assert dangling_sentences(_answer((S2, 1),)) == [S2]
    # The sentence before it is quoted, but not right before it.
    assert dangling_sentences(_answer((S1, 1), ("Microneedling is generally safe.", 2), (S2, 1))) == [S1, S2]


def test_a_reference_right_after_its_sentence_before_quoted_alone_does_not_dangle():
    # "[Qualified dermatologists] can assess..." stands for "They can assess..." (the passage's sentence before S2)
    assert dangling_sentences(_answer((S0, 1), ("[Qualified dermatologists] can assess your skin type and condition.", 1), (S2, 1))) == []
    assert dangling_sentences(_answer((S0, 1), ("[Qualified dermatologists] can assess your skin type.", 1), (S2, 1))) == [S2]  # not that sentence


def test_the_first_sentence_of_a_passage_dangles_when_it_refers_back():
    assert dangling_sentences(_answer(("However, results vary.", 2),)) == ["However, results vary."]


def test_the_bots_own_notices_are_not_counted():
    assert dangling_sentences(_answer(("This depends on your health.", None), (S0, 1))) == []


# --- quoting groups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _S:
    passage: int
    index: int
    text: str

    @property
    def refers_back(self) -> bool:
        return opens_with_reference(self.text)


def test_prepend_quotes_the_sentences_before_back_to_one_that_stands_alone_and_drop_leaves_it_out():
    sentences = {(0, i): _S(0, i, t) for i, t in enumerate((S0, S1, S2))}
    assert [s.index for s in standalone_group(sentences[0, 2], [], sentences, PREPEND)] == [0, 1, 2]
    assert [s.index for s in standalone_group(sentences[0, 2], [sentences[0, 1]], sentences, PREPEND)] == [2]
    assert standalone_group(sentences[0, 2], [], sentences, DROP) is None
    assert [s.index for s in standalone_group(sentences[0, 2], [sentences[0, 1]], sentences, DROP)] == [2]
    first = {(1, 0): _S(1, 0, "However, results vary.")}
    assert standalone_group(first[1, 0], [], first, PREPEND) is None  # nothing before it in its passage


def test_an_unknown_strategy_is_refused_with_the_choices(tmp_path):
    from conftest import make_settings

    with pytest.raises(SettingsError, match="prepend, drop"):
        make_settings(tmp_path, quote_reference_strategy="trim")


# --- real answers on the real corpus -----------------------------------------------------------------


def _reads_cleanly(answer) -> None:
    assert dangling_sentences(answer) == [], answer.text


@pytest.mark.parametrize("strategy", [PREPEND, DROP])
def test_the_pregnancy_answer_says_who_they_are(engine, strategy):
    from chatbot.engine.engine import Engine

    chosen = engine if strategy == engine.settings.quote_reference_strategy else Engine(
        engine.settings.replace(quote_reference_strategy=strategy), embedder=engine.embedder
    )
    answer = chosen.ask("I'm pregnant, is it safe?")
    _reads_cleanly(answer)
    texts = [s.text for s in answer.sentences]
    for i, text in enumerate(texts):
        if text.startswith("Additionally, they can provide guidance"):
            assert texts[i - 1].startswith("They can assess your skin type"), answer.text
            assert "dermatologist" in texts[i - 2], answer.text  # who "they" are


def test_the_urgent_answer_quotes_only_warning_signs_infection_or_aftercare(engine):
    answer = engine.ask("my face is swollen and hot 3 days after treatment and I feel feverish")
    assert answer.guardrail.category == URGENT
    assert answer.text.startswith(answer.guardrail.message)
    assert "pre-treatment" not in answer.text
    assert "It's essential to follow pre-treatment" not in answer.text
    by_id = {p.chunk.id: p.chunk for p in answer.passages}
    for citation in answer.citations:
        assert is_care_passage(by_id[citation.chunk_id]), (citation.section, citation.text[:80])
    _reads_cleanly(answer)


@pytest.mark.parametrize(
    "question",
    [
        "can I combine microneedling with other stuff to get better results on my pores?",
        "how soon can i go back to my normal skincare, like my glycolic toner n stuff",
        "is microneedling safe for dark skin?",
        "will it fade dark spots and uneven pigmentation",
        "how many sessions would i need",
    ],
)
def test_answers_that_used_to_quote_fragments_read_cleanly(engine, question):
    _reads_cleanly(engine.ask(question))


def test_no_passage_opens_with_a_statement_that_refers_back(engine):
    """A passage that would start with "Additionally, ..." starts with the sentence it adds to
    (questions and lead-ins such as "In this blog post..." are never quoted, so they may)."""
    from chatbot.answering.extractive import usable_sentence
    from chatbot.text.tokens import split_sentences

    chunks = engine.index.run(lambda snap: snap.collection.get(include=["documents"]))["documents"]
    starts = [split_sentences(text)[0] for text in chunks]
    assert any(s.startswith("By stimulating collagen production") for s in starts)  # before "Additionally, microneedling..."
    for first in starts:
        assert not (usable_sentence(first) and opens_with_reference(first)), first
