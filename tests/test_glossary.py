"""Lay words for skin concerns reach the articles' terms (chatbot.text.glossary)."""

from __future__ import annotations

import pytest

from chatbot.text.glossary import article_terms, expand, lay_words


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("do the dents left by old zits go away", "acne"),
        ("do the dents left by old zits go away", "scars"),
        ("my jowls are getting saggy", "loose skin"),
        ("will it fade my dark spots", "hyperpigmentation"),
        ("will the holes on my nose get smaller", "pores"),
        ("can I use my vitamin C serum after", "topical skincare products"),
        ("what happens at the appointment", "session"),
        ("is a derma roller the same thing", "microneedling device"),
        ("do you use anaesthetic", "numbing cream"),
        ("how should I prepare", "pre-treatment"),
        ("is it worth it", "effective results"),
        ("can I just do it myself", "at-home microneedling"),
        ("are home kits any good", "microneedling"),
        ("my skin went dry and flakey", "flaking dryness"),
        ("does what I eat make a difference", "balanced diet"),
        ("does it matter who does it", "trained professional"),
        ("is a salon ok or does it need a doctor", "trained professional"),
        ("what if the needles are dirty", "sterile environment"),
        ("does it plump the skin", "thickening"),
    ],
)
def test_lay_phrases_bring_the_article_terms(question, term):
    assert term in expand(question)


def test_a_question_in_the_articles_own_words_is_left_alone():
    assert expand("does microneedling help acne scars?") == "does microneedling help acne scars?"
    assert article_terms("what is collagen induction therapy?") == []


def test_terms_the_question_already_uses_are_not_repeated():
    assert article_terms("are my acne scars from pimples permanent?") == ["results last long-term"]


def test_numbing_cream_is_not_read_as_a_skincare_product():
    assert "topical skincare products" not in expand("I reacted badly to numbing cream once")


def test_sun_damage_is_a_skin_concern_not_a_question_about_sunscreen():
    assert "sunscreen" not in expand("can it help with sun damage")
    assert "sunscreen" in expand("can I go in the sun afterwards")


def test_dark_spots_are_pigmentation_not_acne():
    assert "acne" not in expand("can it cause dark spots on my skin")
    assert "hyperpigmentation" in expand("can it cause dark spots on my skin")
    assert "acne" in expand("will it help my spots")


def test_being_put_to_sleep_is_not_a_lifestyle_question():
    assert "lifestyle" not in expand("do you get put to sleep for it")
    assert "lifestyle" in expand("does lack of sleep undo the results")


def test_lay_words_are_the_words_of_the_matched_phrases():
    assert lay_words("is it legit or a scam") == {"legit", "scam"}
    assert lay_words("what is collagen induction therapy?") == set()
