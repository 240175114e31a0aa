"""The answer chain (chatbot/engine/pipeline.py): follow-ups, the JSON contract, and input a user can type."""

from __future__ import annotations

import json
import re

import pytest
from langchain_core.runnables import Runnable

from chatbot.answering.model import Answer
from chatbot.errors import InvalidQuestionError
from chatbot.guardrail.verdict import GENERAL, MEDICAL
from chatbot.text.references import quotes_sentence
from chatbot.text.tokens import split_sentences

PORES = {"microneedling-pore-size", "treat-large-pores"}
CITATION_KEYS = {"n", "article", "title", "section", "chunk_id", "text", "score"}


# --- follow-ups -------------------------------------------------------------------------------


def test_follow_up_is_answered_about_the_earlier_subject(engine):
    answer = engine.ask("How long do the results last?", ["Can microneedling reduce pore size?"])
    assert {c.article for c in answer.citations} & PORES
    # The best passage is about pores; other articles may follow (the top passages come from
    # different articles), but the answer quotes mostly the pore articles.
    assert answer.passages[0].chunk.article in PORES
    cited = [c.article for c in answer.citations]
    assert sum(a in PORES for a in cited) > len(cited) / 2, cited
    assert "pore" in answer.body.lower()


def test_follow_up_differs_from_the_same_question_alone(engine):
    alone = engine.ask("How long do the results last?")
    followed = engine.ask("How long do the results last?", ["Can microneedling reduce pore size?"])
    assert [p.chunk.id for p in alone.passages] != [p.chunk.id for p in followed.passages]


def test_follow_up_quotes_what_the_new_question_asks(engine):
    # The earlier question picks the subject (acne scars); the sentences answer "how many".
    answer = engine.ask("how many sessions would i need", ["does microneedling work for acne scars"])
    assert re.search(r"multiple treatments|series of sessions|\d+-\d+ treatments", answer.body), answer.body


def test_history_is_oldest_first_and_the_latest_turn_counts(engine):
    answer = engine.ask("how many sessions would that take?", ["what is microneedling?", "can it help my acne scars?"])
    assert "microneedling-acne-scars" in {c.article for c in answer.citations}


def test_a_follow_up_saying_they_answers_about_what_was_asked_before(engine):
    # Alone, "how long do they last?" is about results lasting; here "they" are the side effects.
    answer = engine.ask("how long do they last?", ["what are the side effects?"])
    assert re.search(r"side effects|redness|swelling", answer.sentences[0].text, re.IGNORECASE), answer.body


def test_chat_style_history_reads_only_the_users_turns(engine):
    messages = [
        {"role": "user", "content": "can it help my acne scars?"},
        {"role": "assistant", "content": "Microneedling can make pores appear smaller for a while."},
    ]
    answer = engine.ask("how many sessions would that take?", messages)
    assert answer.standalone_question == "can it help my acne scars? how many sessions would that take?"


def test_question_naming_its_own_subject_ignores_the_history(engine):
    answer = engine.ask("Can microneedling improve acne scars?", ["Can microneedling reduce pore size?"])
    alone = engine.ask("Can microneedling improve acne scars?")
    assert [c.chunk_id for c in answer.citations] == [c.chunk_id for c in alone.citations]


@pytest.mark.parametrize(
    "earlier",
    [
        "I'm currently taking isotretinoin, could I get microneedling?",
        "I have bad eczema on my face right now",
        "I'm five months pregnant and thinking about microneedling",
    ],
)
def test_medical_situation_stated_earlier_carries_over(engine, earlier):
    assert engine.ask("does it hurt?").guardrail.category == GENERAL
    answer = engine.ask("does it hurt?", [earlier])
    assert answer.guardrail.category == MEDICAL, answer.guardrail.reason
    assert "dermatologist" in answer.text.split("\n\n")[-1]


def test_medical_situation_carries_over_two_turns(engine):
    history = ["I take warfarin every day", "is microneedling good for wrinkles?"]
    answer = engine.ask("and is it painful?", history)
    assert answer.guardrail.category == MEDICAL, answer.guardrail.reason


# --- the chain and its contract -------------------------------------------------------------


def test_chain_is_a_langchain_runnable(engine):
    assert isinstance(engine.chain, Runnable)
    answer = engine.chain.invoke({"question": "Does microneedling shrink pores?", "history": []})
    assert isinstance(answer, Answer)
    batch = engine.chain.batch([{"question": "Is microneedling painful?"}, {"question": "what are your opening hours"}])
    assert [a.guardrail.category for a in batch] == [GENERAL, "out_of_scope"]


def test_json_contract(engine):
    data = engine.ask("Does microneedling shrink pores?").to_json()
    assert {"question", "answer", "citations", "guardrail", "timings_ms"} <= set(data)
    assert data["question"] == "Does microneedling shrink pores?"
    assert isinstance(data["answer"], str) and data["answer"]
    assert data["citations"]
    for i, c in enumerate(data["citations"], start=1):
        assert set(c) >= CITATION_KEYS
        assert c["n"] == i
        assert isinstance(c["article"], str) and isinstance(c["title"], str) and isinstance(c["section"], str)
        assert isinstance(c["chunk_id"], str) and isinstance(c["text"], str) and isinstance(c["score"], float)
    assert set(data["guardrail"]) >= {"category", "reason", "message"}
    assert data["guardrail"]["category"] in {"urgent", "medical", "out_of_scope", "general"}
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}
    assert all(isinstance(v, float) and v >= 0 for v in data["timings_ms"].values())
    assert data["timings_ms"]["total"] >= data["timings_ms"]["retrieve"]
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def _quoted_from(text: str, passage: str) -> bool:
    """Whether ``text`` is a sentence of ``passage``, or one quoted to lead (``quotes_sentence``: without its
    "Additionally, ", or with its reference named in brackets, "[Microneedling] can be...")."""
    return text in passage or any(quotes_sentence(text, s) for s in split_sentences(passage))


def test_answer_markers_refer_to_numbered_sources(engine):
    answer = engine.ask("What should I do to look after my skin after microneedling?")
    # The sources list serves the short answer and "More from the articles"; the short answer's come first.
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.full_text)}
    assert markers == {c.n for c in answer.citations}
    short = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert short == set(range(1, len(short) + 1))
    for sentence in answer.sentences:
        cited = next(c for c in answer.citations if c.n == sentence.citation)
        assert _quoted_from(sentence.text, cited.text), "a quoted sentence must come from the passage it cites"
    # Sentences quoted only so that the next one reads on its own come on top (answer_context_sentences).
    assert 1 <= len(answer.sentences) <= engine.settings.answer_max_sentences + engine.settings.answer_context_sentences


@pytest.mark.parametrize("question", ["aftercare tips pls", "what is microneedling", "is microneedling safe", "can it shrink my pores"])
def test_answer_skips_lead_ins_that_state_nothing(engine, question):
    # Web copy announces what follows ("it is crucial to follow proper aftercare tips", "I constantly
    # get asked ..."); a quote of it takes the place of a fact.
    body = engine.ask(question).body
    assert not re.search(r"crucial to follow proper aftercare tips|constantly get asked|quite intriguing|Understanding these", body), body


def test_answer_never_says_the_same_sentence_twice(engine):
    for question in ("Can microneedling reduce pore size?", "What is microneedling?", "What are the benefits?"):
        texts = [s.text for s in engine.ask(question).sentences]
        assert len(texts) == len(set(texts)), question


def test_stream_yields_the_answer_text_then_the_answer(engine):
    pieces = list(engine.stream("Is microneedling painful?"))
    final = pieces[-1]
    assert isinstance(final, Answer)
    assert all(isinstance(p, str) for p in pieces[:-1]) and len(pieces) > 2
    assert "".join(pieces[:-1]).strip() == final.text.strip()


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "hint"), [("", "empty"), ("   \n\t  ", "empty"), ("\x00\x01\u200b", "empty")])
def test_empty_question_is_refused_with_a_hint(engine, question, hint):
    with pytest.raises(InvalidQuestionError) as info:
        engine.ask(question)
    assert hint in str(info.value)
    assert "microneedling" in str(info.value)  # says what to type instead


def test_over_long_question_is_refused_saying_the_limit(engine):
    limit = engine.settings.max_question_chars
    with pytest.raises(InvalidQuestionError) as info:
        engine.ask("Is microneedling safe? " * (limit // 10))
    assert f"{limit:,}" in str(info.value)
    engine.ask(("Is microneedling safe? " * limit)[:limit])  # exactly at the limit is fine


@pytest.mark.parametrize("question", [None, 42, ["a list"], {"q": "dict"}])
def test_question_that_is_not_text_is_refused(engine, question):
    with pytest.raises(InvalidQuestionError, match="text"):
        engine.ask(question)


@pytest.mark.parametrize(
    "question",
    [
        "does microneedling\x00 hurt?\x07",
        "is it safe\x1b[31m for dark skin?",
        "pores \ud800 smaller?",  # a lone surrogate, as a broken browser may send
        "{}",
        "{{ question }} and {context}",
        "<script>alert('x')</script> does microneedling help acne scars?",
        "'; DROP TABLE questions; --",
        "💉✨ microneedling for pores??? 🙏",
        "Microneedling " * 130,
    ],
)
def test_odd_but_valid_input_gets_an_answer(engine, question):
    answer = engine.ask(question)
    assert isinstance(answer, Answer)
    assert answer.text
    encoded = json.dumps(answer.to_json(), ensure_ascii=False).encode("utf-8")  # printable as UTF-8
    assert b"\x00" not in encoded
    assert "\x00" not in answer.question and "\ud800" not in answer.question


def test_script_tag_is_never_echoed_as_part_of_the_answer(engine):
    answer = engine.ask("<script>alert('x')</script> does microneedling help acne scars?")
    assert "<script>" not in answer.body


@pytest.mark.parametrize("history", [None, "not a list", [None, 3, {"question": "is it safe?"}, ["x"]], ["\x00", "   "]])
def test_unusable_history_is_ignored_not_fatal(engine, history):
    answer = engine.chain.invoke({"question": "does it hurt?", "history": history})
    assert answer.guardrail.category in {GENERAL, MEDICAL}
