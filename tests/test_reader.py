"""Answers that lead with what was asked (chatbot/answering/reader.py, lead.py, question_type.py): the answer
types read from a question's form, "Yes —"/"No —" only when the quote says so, honest gaps, and real answers
on the real corpus that open with the sentence that answers."""

from __future__ import annotations

import json

import pytest

from chatbot.answering.lead import NO, YES, yes_or_no
from chatbot.answering.question_type import AFTER, BEFORE, CAUSE, COUNT, DURATION, EFFECT, ELIGIBILITY, SENSATION, answer_type
from chatbot.answering.reader import FEATURES, WEIGHTS_FILE, load_weights, read_question
from chatbot.evaluation.questions import EvalQuestion
from chatbot.evaluation.runner import lead_found
from chatbot.text.references import naming_the_treatment, naming_what_it_includes, quotes_sentence, without_additive_connective

# --- answer types and Yes/No: pure text -----------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how long does the redness last?", DURATION),
        ("when can i wear makeup again", DURATION),
        ("how many sessions will i need", COUNT),
        ("how often should I go", COUNT),
        ("does it hurt", SENSATION),
        ("what should I avoid before my appointment", BEFORE),
        ("what do i do after", AFTER),
        ("who shouldn't get microneedling", ELIGIBILITY),
        ("Why does microneedling work?", CAUSE),
        ("how does the treatment work", CAUSE),
        ("will it fade my acne scars", EFFECT),
    ],
)
def test_the_answer_type_is_read_from_the_question_form(question, kind):
    assert answer_type(question).kind == kind


def test_a_time_question_wants_a_time_and_a_before_question_is_not_answered_by_aftercare():
    assert answer_type("how long until the redness goes").has_evidence("Redness usually subsides within a few days.")
    assert not answer_type("how long until the redness goes").has_evidence("Redness is a common side effect.")
    count = answer_type("how many sessions would I need")
    assert count.conflicts("The procedure is quick, with most sessions lasting between 30 minutes to an hour.")  # how long, not how many
    assert not count.has_evidence("Most sessions last 30 minutes.")
    assert count.has_evidence("Most people need 3 to 6 sessions spaced 4 weeks apart.")
    assert answer_type("how often should I go").has_evidence("Sessions are usually spaced 4 to 6 weeks apart.")
    before = answer_type("what should I avoid before my appointment")
    assert before.conflicts("After microneedling, it's crucial to follow specific aftercare instructions.")
    assert not before.conflicts("Avoid retinoids for a few days before the treatment.")


@pytest.mark.parametrize(
    ("question", "sentence", "opening"),
    [
        ("Does microneedling reduce acne scars?", "Microneedling can reduce acne scars by stimulating collagen.", YES),
        ("Does microneedling reduce acne scars?", "Microneedling may reduce acne scars in some people.", ""),  # hedged
        ("Does microneedling reduce acne scars?", "Microneedling can improve skin texture.", ""),  # not what was asked
        ("Does microneedling shrink pores?", 'While pores cannot "shrink", microneedling can make them appear smaller.', NO),
        ("Does microneedling shrink pores?", "Collagen production can make pores appear smaller.", ""),  # "smaller" is not "shrink"
        ("how long does it take?", "Microneedling can reduce acne scars.", ""),  # not a yes/no question
    ],
)
def test_yes_or_no_only_when_the_quoted_sentence_says_so(question, sentence, opening):
    assert yes_or_no(read_question(question), sentence) == opening


@pytest.mark.parametrize(
    ("sentence", "alone"),
    [
        ("Additionally, avoid using harsh skincare products and makeup for at least 24 to 48 hours.",
         "Avoid using harsh skincare products and makeup for at least 24 to 48 hours."),
        ("In addition, microneedling is considered safe.", "Microneedling is considered safe."),
        ("For instance, using topical retinoids can help regulate skin cell turnover.", "Using topical retinoids can help regulate skin cell turnover."),
        ("For example, it can help.", None),  # the example is still of something said before
        ("Additionally, they can provide guidance.", None),  # still refers back without the connective
        ("However, these effects are not permanent.", None),  # a contrast changes what it means
        ("Also known as collagen induction therapy, microneedling uses needles.", None),  # no connective at all
        ("Microneedling is safe.", None),
    ],
)
def test_a_lead_drops_only_an_additive_connective(sentence, alone):
    assert without_additive_connective(sentence) == alone


@pytest.mark.parametrize(
    ("sentence", "before", "named"),
    [
        ("It can be performed on different skin types and tones.", "Unlike more invasive procedures, microneedling is considered safer.",
         "[Microneedling] can be performed on different skin types and tones."),
        ("It is designed to treat various skin concerns.", "This medical procedure involves puncturing the skin with tiny needles.",
         "[Microneedling] is designed to treat various skin concerns."),
        ("It may affect the colour of your skin.", "Laser treatments utilize heat.", None),  # "it" is not microneedling
        ("It may feel warm.", "The microneedling pen glides over the skin.", None),  # the pen is the subject
        ("It is important to rest.", "Microneedling is safe.", None),  # a placeholder "it"
        ("It has been found to be effective in treating scars.", "By stimulating collagen, microneedling can smooth fine lines.",
         "[Microneedling] has been found to be effective in treating scars."),  # a claim about "it", not "It has been found that"
        ("It has been found that many clients return.", "Microneedling is safe.", None),
    ],
)
def test_a_lead_names_microneedling_only_when_the_sentence_before_is_about_it(sentence, before, named):
    assert naming_the_treatment(sentence, before) == named


@pytest.mark.parametrize(
    ("sentence", "before", "named"),
    [
        ("These often include avoiding certain skincare products.", "It's essential to follow pre-treatment and post-treatment guidelines provided by your specialist.",
         "[Pre-treatment and post-treatment guidelines] often include avoiding certain skincare products."),
        ("This includes avoiding sun exposure and staying hydrated.", "After microneedling, it's crucial to follow specific aftercare instructions.",
         "[Following specific aftercare instructions] includes avoiding sun exposure and staying hydrated."),
        ("These include redness and swelling.", "It is crucial to follow a proper skincare routine.", None),  # "these" is not one routine
        ("This includes redness and swelling.", "Microneedling has a few side effects.", None),  # nothing to follow before it
        ("This helps the skin heal.", "It's essential to follow the aftercare instructions.", None),  # not what they include
    ],
)
def test_a_lead_names_the_instructions_it_lists_only_when_the_sentence_before_says_to_follow_them(sentence, before, named):
    assert naming_what_it_includes(sentence, before) == named


@pytest.mark.parametrize(
    ("quoted", "sentence", "same"),
    [
        ("Avoid using harsh skincare products.", "Additionally, avoid using harsh skincare products.", True),
        ("[Microneedling] can be performed on different skin types.", "It can be performed on different skin types.", True),
        ("Microneedling is safe.", "microneedling  is safe.", True),  # case and spacing aside
        ("[Microneedling] can be performed on darker skin.", "It can be performed on different skin types.", False),
        ("is safe.", "Microneedling is safe.", False),  # too short an ending to tell
    ],
)
def test_a_quote_is_its_sentence_quoted_alone_only_when_it_ends_it(quoted, sentence, same):
    assert quotes_sentence(quoted, sentence) is same


def test_the_shipped_weights_fit_the_features_the_reader_computes():
    weights = load_weights()
    assert weights.coef.shape == (len(FEATURES),)
    assert json.loads(WEIGHTS_FILE.read_text())["features"] == list(FEATURES)


# --- real answers on the real corpus --------------------------------------------------------------


def _first_quote(answer) -> str:
    return next(s.text for s in answer.sentences if s.citation is not None and not s.more)


@pytest.mark.parametrize(
    ("question", "answers", "not_this"),
    [
        ("can I wear sunscreen after microneedling", ("sunscreen", "spf"), "similar to a mild sunburn"),
        ("do results from microneedling last forever", ("permanent", "last", "maintenance"), "several other advantages"),
        ("does microneedling hurt?", ("numbing", "discomfort", "pain", "pinprick"), None),
        ("what should I avoid before my appointment", ("pre-treatment", "before", "beforehand"), "After microneedling, it's crucial"),
        ("Why does microneedling work?", ("injur", "collagen", "heal"), "expanding number of benefits"),
    ],
)
def test_the_answer_opens_with_the_sentence_that_answers(engine, question, answers, not_this):
    answer = engine.ask(question, reviewed=False)
    lead = " ".join(s.text for s in answer.sentences if not s.more)[:400].lower()
    first = _first_quote(answer)
    assert any(word in lead for word in answers), answer.text
    if not_this:
        assert not_this not in first, answer.text


def test_a_question_about_something_the_articles_never_name_says_so_first(engine):
    answer = engine.ask("does it work on deep icepick scars", reviewed=False)
    assert answer.text.startswith("Our articles don't mention icepick scars specifically"), answer.text
    # then what they say about scars, first: "[Microneedling] has been found to be effective in treating scars..."
    assert "treating scars" in _first_quote(answer), answer.text


def test_a_lead_that_adds_to_the_sentence_before_is_quoted_without_its_connective(engine):
    from chatbot.reviewed.desk import draft_from_answer
    from chatbot.reviewed.model import article_sentences

    answer = engine.ask("when can I wear makeup again after microneedling?", reviewed=False)
    first = _first_quote(answer)
    assert first.startswith("Avoid using harsh skincare products and makeup"), answer.text
    cited = next(c for c in answer.citations if c.n == answer.sentences[0].citation)
    assert f"Additionally, a{first[1:]}" in cited.text  # the same words as the article, its "Additionally, " left out
    assert any(t.startswith("Additionally, avoid using") for t in cited.sentences)  # the source highlights the whole sentence
    assert sum("makeup for at least 24 to 48 hours" in s.text for s in answer.sentences) == 1  # not again under More
    # approved as it stands, the draft cites the article's whole sentence
    draft = draft_from_answer("when can I wear makeup again?", answer, article_sentences(engine.settings))
    assert any(s.quote.startswith("Additionally, avoid using harsh skincare products") for s in draft.sources), draft.sources


def test_a_lead_whose_it_is_microneedling_says_so_in_brackets(engine):
    answer = engine.ask("is microneedling suitable for every skin type?", reviewed=False)
    first = _first_quote(answer)
    assert first.startswith("[Microneedling] can be performed on different skin types and tones"), answer.text
    cited = next(c for c in answer.citations if c.n == answer.sentences[0].citation)
    assert "It " + first.removeprefix("[Microneedling] ") in cited.text


def test_a_lead_that_lists_what_the_sentence_before_says_to_follow_names_it_in_brackets(engine):
    answer = engine.ask("does hydration matter after microneedling?", reviewed=False)
    first = _first_quote(answer)
    assert first.startswith("[Following a proper skincare routine] includes using gentle"), answer.text
    assert "hydration" in first
    cited = next(c for c in answer.citations if c.n == answer.sentences[0].citation)
    assert "This includes using gentle, non-comedogenic products" in cited.text


def test_an_example_leads_without_its_for_instance(engine):
    first = _first_quote(engine.ask("should I use retinoids with microneedling?", reviewed=False))
    assert first.startswith("Using topical retinoids can help regulate skin cell turnover"), first


def test_a_lead_named_for_the_other_side_of_the_treatment_does_not_lead(engine):
    # "This includes avoiding sun exposure..." follows "...follow specific aftercare instructions": named, it is aftercare
    answer = engine.ask("what should I avoid before my appointment", reviewed=False)
    assert "aftercare" not in _first_quote(answer).lower(), answer.text


def test_an_everyday_question_gets_no_gap_line(engine):
    for question in ("can I wear sunscreen after microneedling", "how many sessions do I need?"):
        assert "don't mention" not in engine.ask(question, reviewed=False).text


def test_the_short_answer_leads_and_the_rest_is_under_more_from_the_articles(engine):
    answer = engine.ask("how many sessions do I need?", reviewed=False)
    data = answer.to_json()
    short = [s for s in answer.sentences if s.citation is not None and not s.more]
    assert 1 <= len(short) <= 5
    assert data["more_from_the_articles"] == answer.more
    for s in answer.sentences:
        assert (s.text in data["answer"]) != s.more or s.citation is None
    numbers = {c["n"] for c in data["citations"]}
    assert {n for s in answer.sentences for n in s.cited} <= numbers  # every marker, short or more, has its source


def test_the_reader_off_quotes_in_reading_order_as_before(engine):
    from chatbot.engine.engine import Engine

    off = Engine(engine.settings.replace(reader=False), embedder=engine.embedder)
    answer = off.ask("can I wear sunscreen after microneedling", reviewed=False)
    assert not answer.more and all(not s.more for s in answer.sentences)


def test_lead_answers_count_the_first_quoted_sentence_only(engine):
    q = EvalQuestion("x", "can I wear sunscreen after microneedling", "general", "dev", facts=(("SPF 30", "sunscreen"),))
    answer = engine.ask(q.question, reviewed=False)
    assert lead_found(q, answer) is True
    assert lead_found(EvalQuestion("y", q.question, "urgent", "dev", facts=q.facts), answer) is None
    late = EvalQuestion("z", q.question, "general", "dev", facts=(("no such phrase anywhere",),))
    assert lead_found(late, answer) is False
